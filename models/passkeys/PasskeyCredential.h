#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QJsonObject>
#include <QString>
#include <QStringList>

// One `passkey_credentials` row (seed columns plus V0005's name, aaguid, attestation_format and
// clone_suspected_at).
struct PasskeyCredential
{
    QString id;                 // the credential id, base64url (at most 255 characters)
    QString userId;
    QByteArray publicKey;       // the COSE_Key bytes; stored base64url in public_key
    quint32 counter = 0;        // signature counter (the column is a signed INTEGER: clamped)
    QString deviceType;         // singleDevice | multiDevice (from the BE flag)
    bool backedUp = false;      // BS flag of the last ceremony
    QStringList transports;     // as the browser reported them at registration
    QDateTime createdAt;
    QDateTime lastUsedAt;
    QString name;               // empty = NULL
    QString aaguid;             // lower-case UUID text, empty = NULL
    QString attestationFormat;  // none, packed, … empty = NULL
    QDateTime cloneSuspectedAt; // invalid = not suspected

    bool backupEligible() const { return deviceType == QLatin1String("multiDevice"); }
    // The API's Passkey object: {id, name, deviceType, backedUp, transports, aaguid,
    // attestationFormat, createdAt, lastUsedAt, cloneSuspectedAt}. Never the public key.
    QJsonObject toJson() const;
};
