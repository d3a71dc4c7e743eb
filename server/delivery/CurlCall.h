#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

#include <atomic>

// One blocking libcurl transfer with every limit set (connect and total timeouts, protocols
// allowed, no signals), for the delivery threads only: never call it on an HTTP worker. A set
// `abort` flag ends the transfer at the next progress tick (shutdown).
namespace CurlCall {

struct Outcome
{
    bool ok = false;
    int curlCode = 0;        // CURLcode
    long responseCode = 0;   // last SMTP reply code, or the HTTP status
    QString error;           // curl's description, for the log (never holds credentials)
    QByteArray body;         // HTTP response body (first 64 KiB)
    bool transient() const;  // worth retrying: network trouble or a 4xx SMTP reply / 5xx HTTP
};

struct Smtp
{
    QString host;            // name, IPv4, or [IPv6]
    int port = 587;
    QString security;        // starttls | tls | none
    QString user;            // empty: no AUTH
    QByteArray password;
    QString from;            // envelope sender
    QString to;              // envelope recipient
    QByteArray message;      // RFC 5322, CRLF line ends
    int timeoutMs = 15000;
};
Outcome sendMail(const Smtp &request, const std::atomic<bool> *abort);

struct FormPost
{
    QString url;
    QList<QPair<QString, QString>> fields;
    QString user;            // basic auth; empty: none
    QByteArray password;
    int timeoutMs = 10000;
};
Outcome postForm(const FormPost &request, const std::atomic<bool> *abort);

// curl_global_init, once per process; the constructors of the delivery services call it on
// the main thread before any delivery thread exists (it is not thread-safe in curl 7.88).
void globalInit();

} // namespace CurlCall
