#pragma once

#include "PasskeySettings.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QStringList>

// PublicKeyCredentialCreationOptionsJSON and PublicKeyCredentialRequestOptionsJSON (WebAuthn
// Level 3 §5.4, §5.5, the JSON forms of §5.1.8 parseCreationOptionsFromJSON): every binary
// field base64url without padding, so browsers can pass them to
// PublicKeyCredential.parse*OptionsFromJSON as they are.
namespace PasskeyOptions {

struct CredentialRef
{
    QString id; // base64url, as stored
    QStringList transports;
};

struct NewCredentialFor
{
    QByteArray userHandle; // the 16 bytes of the user's UUID: never the email (it would leak)
    QString name;          // the email
    QString displayName;   // "First Last"
    QList<CredentialRef> exclude; // the user's passkeys: an authenticator holding one refuses
};

QJsonObject creation(const PasskeySettings &settings, const QByteArray &challenge,
                     const NewCredentialFor &user);
// allow empty: discoverable credentials (usernameless, conditional UI).
QJsonObject request(const PasskeySettings &settings, const QByteArray &challenge,
                    const QList<CredentialRef> &allow);

// Plausible allowCredentials for an address with no passkeys: one or two ids (16 or 32 bytes,
// with the transports of platform authenticators or security keys) derived from the address
// with HMAC-SHA256 under `key`, so the same address always gets the same ones.
QList<CredentialRef> decoys(const QByteArray &key, const QString &email);

// The user handle for a user id (the UUID's 16 bytes, RFC 4122 order); empty for a non-UUID.
QByteArray userHandleFor(const QString &userId);
// 32 bytes from the CSPRNG.
QByteArray newChallenge();

} // namespace PasskeyOptions
