#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QString>

// An RFC 5322 / MIME message: multipart/alternative with a text/plain and a text/html part,
// both UTF-8 in quoted-printable (lines stay under 78 characters, never over 998), the
// subject and sender name as RFC 2047 encoded words when they are not plain ASCII, Date,
// Message-ID and MIME-Version. Lines end in CRLF. SMTP dot-stuffing is the transport's job
// (libcurl does it while uploading).
struct MimeMessage
{
    QString fromAddress;   // gatehouse@example.org
    QString fromName;      // may be empty or non-ASCII
    QString to;            // a normalised address
    QString subject;       // one line
    QString text;
    QString html;
    QDateTime date;        // defaults to now
    QByteArray messageId;  // without <>; defaults to <random>@<from domain>

    QByteArray build() const;

    // Pieces, exposed for tests.
    static QByteArray encodeQuotedPrintable(const QByteArray &utf8);
    static QByteArray encodeHeaderWord(const QString &text); // ASCII as is, else =?UTF-8?B?…?=
    static QByteArray rfc5322Date(const QDateTime &date);
};
