#pragma once

#include "HttpExchange.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QString>
#include <optional>

// The one way handlers read a JSON request body. The constructor checks the Content-Type
// (application/json, charset UTF-8 if one is named) and parses the body, which must be an
// object. The readers then take one field each, validating type and size; the first problem
// is kept, later reads return empty values and change nothing, so a handler reads all its
// fields and checks once:
//
//     JsonBody body(exchange);
//     const QString email = body.requiredString(u"email"_s, 255);
//     const QString first = body.requiredString(u"firstName"_s, 50);
//     if (body.failed())
//         return body.respondError(); // 415 or 400 with {"error":{code, message, field}}
//
// Strings must be valid Unicode without NUL or control characters (Text::MultiLine also allows
// tab, CR and LF); their lengths count characters (code points, as PostgreSQL's varchar does),
// not UTF-16 units or bytes. A JSON null counts as absent (so a required field that is null
// is missing); handlers that must tell null from absent look at object() themselves.
class JsonBody
{
public:
    enum class Text
    {
        SingleLine,
        MultiLine
    };

    struct Failure
    {
        int status = 400;
        QString code;    // UNSUPPORTED_MEDIA_TYPE, INVALID_JSON, MISSING_FIELD, INVALID_FIELD, …
        QString message; // for people, naming the field
        QString field;   // empty for errors of the whole body
    };

    explicit JsonBody(HttpExchange &exchange);
    explicit JsonBody(const ExchangePtr &exchange) : JsonBody(*exchange) {}
    // Without an exchange (tests, other transports): respondError() then does nothing.
    JsonBody(const QByteArray &contentType, const QByteArray &body);

    bool failed() const { return m_failure.has_value(); }
    const std::optional<Failure> &failure() const { return m_failure; }
    // {"error":{"code","message"[,"field"]}}, the envelope respondError() sends.
    QJsonObject errorJson() const;
    // Answers the exchange with the first failure. Call only when failed().
    void respondError() const;

    // Records a failure found by the handler itself (e.g. a malformed email address), so it is
    // answered like the others. Ignored when an earlier failure is already recorded.
    void fail(const QString &field, const QString &code, const QString &message, int status = 400);

    const QJsonObject &object() const { return m_object; }
    bool contains(const QString &name) const { return m_object.contains(name); }

    QString requiredString(const QString &name, qsizetype maxLength, qsizetype minLength = 1,
                           Text text = Text::SingleLine);
    std::optional<QString> optionalString(const QString &name, qsizetype maxLength,
                                          qsizetype minLength = 0, Text text = Text::SingleLine);
    qint64 requiredInt(const QString &name, qint64 min, qint64 max);
    std::optional<qint64> optionalInt(const QString &name, qint64 min, qint64 max);
    bool requiredBool(const QString &name);
    std::optional<bool> optionalBool(const QString &name);
    // Objects and arrays are limited by their compact serialised size in bytes.
    QJsonObject requiredObject(const QString &name, qsizetype maxBytesSerialized);
    std::optional<QJsonObject> optionalObject(const QString &name, qsizetype maxBytesSerialized);
    QJsonArray requiredArray(const QString &name, qsizetype maxItems, qsizetype minItems = 0);
    std::optional<QJsonArray> optionalArray(const QString &name, qsizetype maxItems,
                                            qsizetype minItems = 0);

    // Length in characters (Unicode code points) as the readers count it.
    static qsizetype characterCount(const QString &text);

private:
    void parse(const QByteArray &contentType, const QByteArray &body);
    // The field's value if it is present, non-null and of `type`; records MISSING_FIELD or
    // INVALID_FIELD (`expected` names the type) otherwise.
    std::optional<QJsonValue> take(const QString &name, QJsonValue::Type type, const char *expected,
                                   bool required);
    std::optional<QString> checkString(const QString &name, const QString &value,
                                       qsizetype maxLength, qsizetype minLength, Text text);
    std::optional<qint64> checkInt(const QString &name, const QJsonValue &value, qint64 min,
                                   qint64 max);
    bool checkSize(const QString &name, const QJsonValue &value, qsizetype maxBytes);
    bool checkItems(const QString &name, const QJsonArray &array, qsizetype maxItems,
                    qsizetype minItems);

    HttpExchange *m_exchange = nullptr; // a JsonBody never outlives its handler call
    QJsonObject m_object;
    std::optional<Failure> m_failure;
};
