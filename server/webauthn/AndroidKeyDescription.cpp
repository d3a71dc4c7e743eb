#include "server/webauthn/AndroidKeyDescription.h"

#include "server/webauthn/Der.h"

namespace WebAuthn {
namespace {

constexpr quint32 kTagPurpose = 1;
constexpr quint32 kTagAllApplications = 600;
constexpr quint32 kTagOrigin = 702;

// One AuthorizationList: a SEQUENCE of [tag] EXPLICIT fields; unknown tags are skipped (the
// list grows with every Keymaster/KeyMint version).
bool readAuthorizationList(QByteArrayView list, AndroidKeyDescription &out)
{
    Der::Reader reader(list);
    while (!reader.atEnd()) {
        const auto field = reader.next();
        if (!field || field->tagClass != Der::TagClass::Context || !field->constructed)
            return false;
        if (field->tagNumber == kTagAllApplications) {
            out.allApplications = true;
        } else if (field->tagNumber == kTagPurpose) {
            const auto set = Der::unwrap(field->content, Der::kSet, true);
            if (!set)
                return false;
            Der::Reader purposes(*set);
            while (!purposes.atEnd()) {
                const auto value = purposes.expect(Der::kInteger);
                const auto purpose = value ? Der::toInteger(*value) : std::nullopt;
                if (!purpose)
                    return false;
                out.purposes.append(*purpose);
            }
        } else if (field->tagNumber == kTagOrigin) {
            const auto value = Der::unwrap(field->content, Der::kInteger);
            const auto origin = value ? Der::toInteger(*value) : std::nullopt;
            if (!origin)
                return false;
            out.origins.append(*origin);
        }
    }
    return true;
}

} // namespace

std::optional<AndroidKeyDescription> AndroidKeyDescription::parse(QByteArrayView der)
{
    const auto sequence = Der::unwrap(der, Der::kSequence, true);
    if (!sequence)
        return std::nullopt;
    Der::Reader reader(*sequence);
    // attestationVersion, attestationSecurityLevel, keymasterVersion, keymasterSecurityLevel
    if (!reader.expect(Der::kInteger) || !reader.expect(Der::kEnumerated) ||
        !reader.expect(Der::kInteger) || !reader.expect(Der::kEnumerated))
        return std::nullopt;
    const auto challenge = reader.expect(Der::kOctetString);
    const auto uniqueId = reader.expect(Der::kOctetString);
    const auto softwareEnforced = reader.expect(Der::kSequence, true);
    const auto teeEnforced = reader.expect(Der::kSequence, true);
    if (!challenge || !uniqueId || !softwareEnforced || !teeEnforced || !reader.atEnd())
        return std::nullopt;
    AndroidKeyDescription out;
    out.attestationChallenge = challenge->toByteArray();
    if (!readAuthorizationList(*softwareEnforced, out) || !readAuthorizationList(*teeEnforced, out))
        return std::nullopt;
    return out;
}

} // namespace WebAuthn
