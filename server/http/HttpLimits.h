#pragma once

#include <QString>
#include <QtGlobal>

// What one connection may cost the server, enforced by ConnectionListener/ConnectionGuard in
// front of QHttpServer (Qt 6.4 enforces none of it). Filled from Config by ServerRuntime; the
// defaults here are Config's defaults, so tests and tools that build an HttpService by hand get
// the same protection.
struct HttpLimits
{
    int maxConnections = 10000;               // open connections over all workers
    qint64 maxBodyBytes = 1024 * 1024;         // Content-Length above it: 413
    qint64 maxAvatarBytes = 5 * 1024 * 1024;   // the same for PUT /api/v1/me/avatar
    int maxHeaderBytes = 16 * 1024;            // request line + fields + empty line: 431
    int maxUrlBytes = 8 * 1024;                // request-target: 414
    int headerTimeoutMs = 10 * 1000;           // first byte of a head until its end: 408
    int bodyTimeoutMs = 30 * 1000;             // end of the head until the end of the body: 408
    int idleTimeoutMs = 60 * 1000;             // keep-alive with nothing to do: closed silently
    QString tlsCertificateFile;                // PEM chain; both set: HTTPS only
    QString tlsKeyFile;                        // PEM private key (unencrypted)

    bool tlsEnabled() const { return !tlsCertificateFile.isEmpty() || !tlsKeyFile.isEmpty(); }
};
