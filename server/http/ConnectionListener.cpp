#include "ConnectionListener.h"

#include "ConnectionGuard.h"

#include <QFile>
#include <QSslCertificate>
#include <QSslKey>
#include <QSslSocket>

#include <unistd.h>

namespace {
Error tlsError(const QString &message)
{
    return makeError(QStringLiteral("TLS_CONFIG_INVALID"), message);
}

Result<QByteArray> readPem(const QString &path, const QString &option)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return tlsError(QStringLiteral("cannot read %1 (%2): %3").arg(path, option, file.errorString()));
    return file.readAll();
}
} // namespace

ConnectionListener::ConnectionListener(std::atomic<int> *openConnections, HttpLimits limits,
                                       std::optional<QSslConfiguration> tls, QObject *parent)
    : QTcpServer(parent),
      m_openConnections(openConnections),
      m_limits(std::move(limits)),
      m_tls(std::move(tls))
{
}

Result<QSslConfiguration> ConnectionListener::loadTls(const HttpLimits &limits)
{
    if (limits.tlsCertificateFile.isEmpty() || limits.tlsKeyFile.isEmpty())
        return tlsError(limits.tlsCertificateFile.isEmpty()
                            ? QStringLiteral("tls-key is set but tls-cert is not; HTTPS needs both")
                            : QStringLiteral("tls-cert is set but tls-key is not; HTTPS needs both"));
    if (!QSslSocket::supportsSsl())
        return tlsError(QStringLiteral("TLS is not available: Qt found no usable OpenSSL (%1)")
                            .arg(QSslSocket::sslLibraryBuildVersionString()));

    const auto certificatePem = readPem(limits.tlsCertificateFile, QStringLiteral("tls-cert"));
    if (!certificatePem)
        return certificatePem.error();
    const QList<QSslCertificate> chain = QSslCertificate::fromData(*certificatePem, QSsl::Pem);
    if (chain.isEmpty() || chain.first().isNull())
        return tlsError(QStringLiteral("%1 (tls-cert) holds no PEM certificate")
                            .arg(limits.tlsCertificateFile));

    const auto keyPem = readPem(limits.tlsKeyFile, QStringLiteral("tls-key"));
    if (!keyPem)
        return keyPem.error();
    // QSslKey must be told the algorithm; a key of another one simply comes out null.
    QSslKey key;
    for (QSsl::KeyAlgorithm algorithm : {QSsl::Ec, QSsl::Rsa}) {
        key = QSslKey(*keyPem, algorithm, QSsl::Pem, QSsl::PrivateKey);
        if (!key.isNull())
            break;
    }
    if (key.isNull())
        return tlsError(QStringLiteral("%1 (tls-key) holds no unencrypted PEM RSA or EC private key")
                            .arg(limits.tlsKeyFile));
    if (key.algorithm() != chain.first().publicKey().algorithm())
        return tlsError(QStringLiteral("%1 (tls-key) does not belong to the certificate in %2 "
                                       "(tls-cert): different key types")
                            .arg(limits.tlsKeyFile, limits.tlsCertificateFile));

    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setLocalCertificateChain(chain);
    configuration.setPrivateKey(key);
    configuration.setProtocol(QSsl::TlsV1_2OrLater);
    configuration.setPeerVerifyMode(QSslSocket::VerifyNone); // no client certificates
    return configuration;
}

void ConnectionListener::incomingConnection(qintptr descriptor)
{
    // Claim a slot atomically: all workers share the count, and load-then-increment would let
    // two of them pass the last free slot together.
    int open = m_openConnections->load();
    do {
        if (open >= m_limits.maxConnections) {
            ::close(static_cast<int>(descriptor));
            return;
        }
    } while (!m_openConnections->compare_exchange_weak(open, open + 1));
    std::atomic<int> *counter = m_openConnections;
    QTcpSocket *socket = m_tls ? new QSslSocket(this) : new QTcpSocket(this);
    if (!socket->setSocketDescriptor(descriptor)) {
        delete socket;
        ::close(static_cast<int>(descriptor));
        --*counter;
        return;
    }
    socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    connect(socket, &QObject::destroyed, socket, [counter] { --*counter; });

    // The guard's first readyRead slot must be connected before QHttpServer's (made inside
    // addPendingConnection), its second one after.
    auto *guard = new ConnectionGuard(socket, m_limits, m_tls.has_value());
    if (m_tls) {
        auto *ssl = static_cast<QSslSocket *>(socket);
        ssl->setSslConfiguration(*m_tls);
        ssl->startServerEncryption();
    }
    addPendingConnection(socket);
    guard->followServer();
}
