#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <memory>
#include <optional>

// A software WebAuthn authenticator plus the bits of a browser around it (clientDataJSON, the
// JSON forms of WebAuthn L3 §5.1), for HTTP tests and the load client. Keys are made and used
// with OpenSSL directly, sharing no code with the server's verifier: ES256 (P-256), EdDSA
// (Ed25519) and RS256 (RSA-2048). It answers the server's options JSON with a
// RegistrationResponseJSON / AuthenticationResponseJSON, attestation "none" or "packed" self
// attestation, and keeps every credential it made (resident: usable without allowCredentials).
// Knobs let tests produce what a broken or cloned authenticator would.
class SoftAuthenticator
{
public:
    enum class Algorithm { ES256, EdDSA, RS256 };

    struct Credential
    {
        QByteArray id;
        Algorithm algorithm = Algorithm::ES256;
        std::shared_ptr<void> key;   // EVP_PKEY (opaque here so tests need no OpenSSL headers)
        QByteArray userHandle;
        QString rpId;
        quint32 counter = 0;
        bool backupEligible = false;
    };

    struct CreateOptions
    {
        Algorithm algorithm = Algorithm::ES256;
        bool packedSelfAttestation = false; // else "none"
        bool userVerified = true;
        bool backupEligible = false;
        bool backedUp = false;
        int credentialIdLength = 16;
        quint32 initialCounter = 0;
        QString origin;                     // empty: the authenticator's origin
        QByteArray challengeOverride;       // non-empty: sign this challenge instead
    };

    struct GetOptions
    {
        QByteArray credentialId;            // empty: the first allowed one we hold, or any for the rpId
        std::optional<quint32> counter;     // the signature counter to send (default: previous + step)
        bool includeUserHandle = true;
        bool userPresent = true;
        bool userVerified = true;
        std::optional<bool> backupEligible; // default: as at registration
        bool backedUp = false;
        bool corruptSignature = false;
        QString origin;
        QString type = QStringLiteral("webauthn.get");
        QByteArray userHandleOverride;
    };

    SoftAuthenticator(QString origin, QString rpId);
    ~SoftAuthenticator();

    // The registration response for PublicKeyCredentialCreationOptionsJSON, or an empty object
    // when the options ask for nothing this authenticator can make (or exclude what it holds).
    QJsonObject create(const QJsonObject &creationOptions, const CreateOptions &options);
    QJsonObject create(const QJsonObject &creationOptions) { return create(creationOptions, CreateOptions()); }
    // The assertion for PublicKeyCredentialRequestOptionsJSON; empty when no credential fits.
    QJsonObject get(const QJsonObject &requestOptions, const GetOptions &options);
    QJsonObject get(const QJsonObject &requestOptions) { return get(requestOptions, GetOptions()); }

    QList<Credential> &credentials() { return m_credentials; }
    int counterStep = 1; // 0: an authenticator without a counter

    static QByteArray fromB64(const QString &text);
    static QString toB64(const QByteArray &bytes);

private:
    Credential *pick(const QJsonObject &requestOptions, const QByteArray &wanted);

    QString m_origin;
    QString m_rpId;
    QList<Credential> m_credentials;
};
