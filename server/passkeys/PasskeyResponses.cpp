#include "PasskeyResponses.h"

#include "server/crypto/Crypto.h"
#include "server/http/JsonBody.h"

#include <QJsonArray>
#include <QJsonObject>

namespace PasskeyResponses {

namespace {
const QString kMissing = QStringLiteral("MISSING_FIELD");
const QString kInvalid = QStringLiteral("INVALID_FIELD");

// Reads one member of a nested object, recording the first problem on `body` under its full
// path. Later reads after a failure return empty values, as JsonBody's own readers do.
class Nested
{
public:
    Nested(JsonBody &body, QJsonObject object, QString path)
        : m_body(body), m_object(std::move(object)), m_path(std::move(path))
    {
    }

    QString field(const QString &name) const { return m_path + QLatin1Char('.') + name; }

    std::optional<QJsonValue> take(const QString &name, QJsonValue::Type type, const char *expected,
                                   bool required)
    {
        if (m_body.failed())
            return std::nullopt;
        const QJsonValue value = m_object.value(name);
        if (value.isUndefined() || value.isNull()) {
            if (required)
                m_body.fail(field(name), kMissing, field(name) + QStringLiteral(" is required"));
            return std::nullopt;
        }
        if (value.type() != type) {
            m_body.fail(field(name), kInvalid,
                        field(name) + QStringLiteral(" must be ") + QLatin1String(expected));
            return std::nullopt;
        }
        return value;
    }

    // base64url without padding, at most maxBytes once decoded (and not empty when required).
    QByteArray bytes(const QString &name, qsizetype maxBytes, bool required = true)
    {
        const auto value = take(name, QJsonValue::String, "a base64url string", required);
        if (!value)
            return {};
        const QString text = value->toString();
        if (text.size() > (maxBytes * 4 + 2) / 3) {
            m_body.fail(field(name), QStringLiteral("FIELD_TOO_LARGE"),
                        field(name) + QStringLiteral(" is longer than %1 bytes").arg(maxBytes));
            return {};
        }
        auto decoded = Crypto::base64UrlDecode(text);
        if (!decoded) {
            m_body.fail(field(name), kInvalid,
                        field(name) + QStringLiteral(" is not base64url without padding"));
            return {};
        }
        if (required && decoded->isEmpty()) {
            m_body.fail(field(name), kInvalid, field(name) + QStringLiteral(" is empty"));
            return {};
        }
        return *decoded;
    }

    QJsonObject object(const QString &name)
    {
        const auto value = take(name, QJsonValue::Object, "an object", true);
        return value ? value->toObject() : QJsonObject();
    }

    void expectType()
    {
        const auto value = take(QStringLiteral("type"), QJsonValue::String, "a string", true);
        if (value && value->toString() != QLatin1String("public-key"))
            m_body.fail(field(QStringLiteral("type")), kInvalid,
                        field(QStringLiteral("type")) + QStringLiteral(" must be \"public-key\""));
    }

    // id must be base64url of rawId (WebAuthn §5.1: id is rawId encoded).
    QByteArray credentialId(QString *id)
    {
        const auto idValue = take(QStringLiteral("id"), QJsonValue::String, "a base64url string", true);
        const QByteArray raw = bytes(QStringLiteral("rawId"), 1023);
        if (m_body.failed() || !idValue)
            return {};
        *id = QString::fromLatin1(Crypto::base64UrlEncode(raw));
        if (idValue->toString() != *id)
            m_body.fail(field(QStringLiteral("id")), kInvalid,
                        field(QStringLiteral("id")) + QStringLiteral(" must be the base64url of rawId"));
        return raw;
    }

    QStringList transports(const QString &name)
    {
        const auto value = take(name, QJsonValue::Array, "an array of strings", false);
        if (!value)
            return {};
        const QJsonArray array = value->toArray();
        QStringList list;
        if (array.size() > 8) {
            m_body.fail(field(name), QStringLiteral("FIELD_TOO_LARGE"),
                        field(name) + QStringLiteral(" has more than 8 items"));
            return {};
        }
        for (const QJsonValue &item : array) {
            const QString text = item.toString();
            bool plain = item.isString() && !text.isEmpty() && text.size() <= 32;
            for (QChar c : text)
                plain = plain && (c.isLetterOrNumber() || c == QLatin1Char('-')) && c.unicode() < 128;
            if (!plain) {
                m_body.fail(field(name), kInvalid,
                            field(name) + QStringLiteral(" must hold short transport names"));
                return {};
            }
            if (!list.contains(text))
                list.append(text);
        }
        return list;
    }

private:
    JsonBody &m_body;
    QJsonObject m_object;
    QString m_path;
};

constexpr qsizetype kMaxClientData = 4096;
constexpr qsizetype kMaxAttestation = 48 * 1024;
constexpr qsizetype kMaxAuthData = 4096;
constexpr qsizetype kMaxSignature = 1024; // RSA-4096 is 512 bytes
constexpr qsizetype kMaxUserHandle = 64;  // WebAuthn: at most 64 bytes
} // namespace

Registration readRegistration(JsonBody &body)
{
    Registration out;
    const QJsonObject credential = body.requiredObject(QStringLiteral("response"), kMaxResponseBytes);
    if (body.failed())
        return out;
    Nested outer(body, credential, QStringLiteral("response"));
    out.rawId = outer.credentialId(&out.id);
    outer.expectType();
    Nested inner(body, outer.object(QStringLiteral("response")), QStringLiteral("response.response"));
    out.clientDataJson = inner.bytes(QStringLiteral("clientDataJSON"), kMaxClientData);
    out.attestationObject = inner.bytes(QStringLiteral("attestationObject"), kMaxAttestation);
    out.transports = inner.transports(QStringLiteral("transports"));
    return out;
}

Assertion readAssertion(JsonBody &body)
{
    Assertion out;
    const QJsonObject credential = body.requiredObject(QStringLiteral("response"), kMaxResponseBytes);
    if (body.failed())
        return out;
    Nested outer(body, credential, QStringLiteral("response"));
    out.rawId = outer.credentialId(&out.id);
    outer.expectType();
    Nested inner(body, outer.object(QStringLiteral("response")), QStringLiteral("response.response"));
    out.clientDataJson = inner.bytes(QStringLiteral("clientDataJSON"), kMaxClientData);
    out.authenticatorData = inner.bytes(QStringLiteral("authenticatorData"), kMaxAuthData);
    out.signature = inner.bytes(QStringLiteral("signature"), kMaxSignature);
    out.userHandle = inner.bytes(QStringLiteral("userHandle"), kMaxUserHandle, false);
    return out;
}

} // namespace PasskeyResponses
