#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <optional>

// The Android Keystore attestation extension (OID 1.3.6.1.4.1.11129.2.1.17, "KeyDescription"),
// reduced to what WebAuthn §8.4 checks: the attestation challenge and, over both authorization
// lists (softwareEnforced and teeEnforced), allApplications [600], purpose [1] and origin [702].
namespace WebAuthn {

struct AndroidKeyDescription
{
    static constexpr char kOid[] = "1.3.6.1.4.1.11129.2.1.17";
    static constexpr qint64 kOriginGenerated = 0; // KM_ORIGIN_GENERATED
    static constexpr qint64 kPurposeSign = 2;     // KM_PURPOSE_SIGN

    QByteArray attestationChallenge;
    bool allApplications = false; // present in either list
    QList<qint64> purposes;       // union of both lists
    QList<qint64> origins;        // every origin either list states

    // nullopt for anything but one well-formed KeyDescription SEQUENCE.
    static std::optional<AndroidKeyDescription> parse(QByteArrayView der);
};

} // namespace WebAuthn
