#include "JsonBody.h"

#include <QJsonDocument>
#include <QVariant>
#include <cmath>

namespace {
constexpr qsizetype kShownContentTypeMax = 100;

QString plural(qsizetype count, const char *singular, const char *pluralForm)
{
    return QString::number(count) + QLatin1Char(' ') +
           QLatin1String(count == 1 ? singular : pluralForm);
}

// The Content-Type as sent, made safe and short enough to quote in an error message.
QString shown(const QByteArray &value)
{
    QString text;
    for (char c : value) {
        const auto byte = static_cast<unsigned char>(c);
        text += byte >= 0x20 && byte < 0x7F ? QLatin1Char(c) : QChar(u'?');
    }
    if (text.size() > kShownContentTypeMax)
        text = text.left(kShownContentTypeMax) + QChar(u'…');
    return text;
}

QString unquoted(QByteArray value)
{
    value = value.trimmed();
    if (value.size() >= 2 && value.startsWith('"') && value.endsWith('"'))
        value = value.mid(1, value.size() - 2);
    return QString::fromLatin1(value).toLower();
}

// What PostgreSQL's jsonb and every later reader would choke on inside a nested value: NUL and
// unpaired surrogates (which cannot become UTF-8). Control characters are legal JSON there.
bool storable(const QString &text)
{
    for (qsizetype i = 0; i < text.size(); ++i) {
        const char16_t c = text.at(i).unicode();
        if (c == 0)
            return false;
        if (QChar::isHighSurrogate(c)) {
            if (i + 1 >= text.size() || !QChar::isLowSurrogate(text.at(i + 1).unicode()))
                return false;
            ++i;
        } else if (QChar::isLowSurrogate(c)) {
            return false;
        }
    }
    return true;
}

bool storable(const QJsonValue &value)
{
    if (value.isString())
        return storable(value.toString());
    if (value.isArray()) {
        const QJsonArray array = value.toArray();
        for (const QJsonValue &item : array) {
            if (!storable(item))
                return false;
        }
    }
    if (value.isObject()) {
        const QJsonObject object = value.toObject();
        for (auto it = object.begin(); it != object.end(); ++it) {
            if (!storable(it.key()) || !storable(it.value()))
                return false;
        }
    }
    return true;
}
} // namespace

JsonBody::JsonBody(HttpExchange &exchange) : m_exchange(&exchange)
{
    parse(exchange.header("Content-Type"), exchange.body());
}

JsonBody::JsonBody(const QByteArray &contentType, const QByteArray &body)
{
    parse(contentType, body);
}

void JsonBody::parse(const QByteArray &contentType, const QByteArray &body)
{
    const QByteArray sent = contentType.trimmed();
    if (sent.isEmpty()) {
        fail({}, QStringLiteral("UNSUPPORTED_MEDIA_TYPE"),
             QStringLiteral("Content-Type must be application/json; the request has none"), 415);
        return;
    }
    const QList<QByteArray> parts = sent.split(';');
    if (parts.first().trimmed().toLower() != "application/json") {
        fail({}, QStringLiteral("UNSUPPORTED_MEDIA_TYPE"),
             QStringLiteral("Content-Type must be application/json, not %1").arg(shown(sent)), 415);
        return;
    }
    for (qsizetype i = 1; i < parts.size(); ++i) {
        const QByteArray &parameter = parts.at(i);
        const qsizetype eq = parameter.indexOf('=');
        if (eq < 0 || parameter.left(eq).trimmed().toLower() != "charset")
            continue;
        const QString charset = unquoted(parameter.mid(eq + 1));
        if (charset != QLatin1String("utf-8") && charset != QLatin1String("utf8")) {
            fail(
                {}, QStringLiteral("UNSUPPORTED_MEDIA_TYPE"),
                QStringLiteral("JSON must be sent as UTF-8, not %1").arg(shown(charset.toLatin1())),
                415);
            return;
        }
    }

    if (body.trimmed().isEmpty()) {
        fail({}, QStringLiteral("INVALID_JSON"),
             QStringLiteral("the body is empty; it must be a JSON object"));
        return;
    }
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(body, &error);
    if (error.error != QJsonParseError::NoError) {
        // Qt 6.4 refuses a bare scalar at the top level; it is valid JSON, just not an object.
        if (QJsonDocument::fromJson('[' + body + ']').isArray()) {
            fail({}, QStringLiteral("INVALID_JSON"), QStringLiteral("body must be a JSON object"));
            return;
        }
        fail({}, QStringLiteral("INVALID_JSON"),
             QStringLiteral("the body is not valid JSON: %1 at offset %2")
                 .arg(error.errorString())
                 .arg(error.offset));
        return;
    }
    if (!document.isObject()) {
        fail({}, QStringLiteral("INVALID_JSON"),
             document.isArray() ? QStringLiteral("body must be a JSON object, not an array")
                                : QStringLiteral("body must be a JSON object"));
        return;
    }
    m_object = document.object();
}

QJsonObject JsonBody::errorJson() const
{
    if (!m_failure)
        return {};
    QJsonObject error{{QStringLiteral("code"), m_failure->code},
                      {QStringLiteral("message"), m_failure->message}};
    if (!m_failure->field.isEmpty())
        error.insert(QStringLiteral("field"), m_failure->field);
    return {{QStringLiteral("error"), error}};
}

void JsonBody::respondError() const
{
    if (m_exchange && m_failure)
        m_exchange->respondJson(m_failure->status, errorJson());
}

void JsonBody::fail(const QString &field, const QString &code, const QString &message, int status)
{
    if (!m_failure)
        m_failure = Failure{status, code, message, field};
}

qsizetype JsonBody::characterCount(const QString &text)
{
    qsizetype count = 0;
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (text.at(i).isHighSurrogate() && i + 1 < text.size() && text.at(i + 1).isLowSurrogate())
            ++i;
        ++count;
    }
    return count;
}

std::optional<QJsonValue> JsonBody::take(const QString &name, QJsonValue::Type type,
                                         const char *expected, bool required)
{
    if (m_failure)
        return std::nullopt;
    const auto it = m_object.constFind(name);
    if (it == m_object.constEnd() || it->isNull()) {
        if (required)
            fail(name, QStringLiteral("MISSING_FIELD"), QStringLiteral("%1 is required").arg(name));
        return std::nullopt;
    }
    if (it->type() != type) {
        fail(name, QStringLiteral("INVALID_FIELD"),
             QStringLiteral("%1 must be %2").arg(name, QLatin1String(expected)));
        return std::nullopt;
    }
    return *it;
}

std::optional<QString> JsonBody::checkString(const QString &name, const QString &value,
                                             qsizetype maxLength, qsizetype minLength, Text text)
{
    const auto invalid = [&](const QString &why) {
        fail(name, QStringLiteral("INVALID_FIELD"), name + QLatin1Char(' ') + why);
        return std::nullopt;
    };
    qsizetype length = 0;
    for (qsizetype i = 0; i < value.size(); ++i, ++length) {
        const char16_t c = value.at(i).unicode();
        if (QChar::isHighSurrogate(c)) {
            if (i + 1 >= value.size() || !QChar::isLowSurrogate(value.at(i + 1).unicode()))
                return invalid(QStringLiteral("is not valid Unicode text"));
            ++i;
            continue;
        }
        if (QChar::isLowSurrogate(c))
            return invalid(QStringLiteral("is not valid Unicode text"));
        if (c == 0)
            return invalid(QStringLiteral("contains a NUL character"));
        const bool lineBreak = c == u'\n' || c == u'\r' || c == 0x2028 || c == 0x2029;
        if (text == Text::SingleLine && lineBreak)
            return invalid(QStringLiteral("must be a single line"));
        const bool control = c < 0x20 || (c >= 0x7F && c <= 0x9F);
        if (control && !(text == Text::MultiLine && (lineBreak || c == u'\t')))
            return invalid(QStringLiteral("contains a control character (U+%1)")
                               .arg(QString::number(c, 16).toUpper().rightJustified(4, u'0')));
    }
    if (length > maxLength) {
        fail(name, QStringLiteral("FIELD_TOO_LONG"),
             QStringLiteral("%1 is longer than %2")
                 .arg(name, plural(maxLength, "character", "characters")));
        return std::nullopt;
    }
    if (length < minLength) {
        fail(name, QStringLiteral("FIELD_TOO_SHORT"),
             length == 0 ? QStringLiteral("%1 must not be empty").arg(name)
                         : QStringLiteral("%1 is shorter than %2")
                               .arg(name, plural(minLength, "character", "characters")));
        return std::nullopt;
    }
    return value;
}

QString JsonBody::requiredString(const QString &name, qsizetype maxLength, qsizetype minLength,
                                 Text text)
{
    const auto value = take(name, QJsonValue::String, "a string", true);
    if (!value)
        return {};
    return checkString(name, value->toString(), maxLength, minLength, text).value_or(QString());
}

std::optional<QString> JsonBody::optionalString(const QString &name, qsizetype maxLength,
                                                qsizetype minLength, Text text)
{
    const auto value = take(name, QJsonValue::String, "a string", false);
    if (!value)
        return std::nullopt;
    return checkString(name, value->toString(), maxLength, minLength, text);
}

std::optional<qint64> JsonBody::checkInt(const QString &name, const QJsonValue &value, qint64 min,
                                         qint64 max)
{
    // Integers that fit are held exactly (as qint64); anything else arrives as a double.
    const QVariant variant = value.toVariant();
    qint64 number = 0;
    bool inRange = true;
    if (variant.typeId() == QMetaType::LongLong) {
        number = variant.toLongLong();
    } else {
        const double d = value.toDouble();
        if (!std::isfinite(d) || std::trunc(d) != d) {
            fail(name, QStringLiteral("INVALID_FIELD"),
                 QStringLiteral("%1 must be an integer").arg(name));
            return std::nullopt;
        }
        // 2^63 is exactly representable; anything at or beyond it cannot be a qint64.
        inRange = d >= -9223372036854775808.0 && d < 9223372036854775808.0;
        number = inRange ? static_cast<qint64>(d) : 0;
    }
    if (!inRange || number < min || number > max) {
        fail(name, QStringLiteral("FIELD_OUT_OF_RANGE"),
             QStringLiteral("%1 must be between %2 and %3").arg(name).arg(min).arg(max));
        return std::nullopt;
    }
    return number;
}

qint64 JsonBody::requiredInt(const QString &name, qint64 min, qint64 max)
{
    const auto value = take(name, QJsonValue::Double, "an integer", true);
    if (!value)
        return 0;
    return checkInt(name, *value, min, max).value_or(0);
}

std::optional<qint64> JsonBody::optionalInt(const QString &name, qint64 min, qint64 max)
{
    const auto value = take(name, QJsonValue::Double, "an integer", false);
    if (!value)
        return std::nullopt;
    return checkInt(name, *value, min, max);
}

bool JsonBody::requiredBool(const QString &name)
{
    const auto value = take(name, QJsonValue::Bool, "true or false", true);
    return value && value->toBool();
}

std::optional<bool> JsonBody::optionalBool(const QString &name)
{
    const auto value = take(name, QJsonValue::Bool, "true or false", false);
    if (!value)
        return std::nullopt;
    return value->toBool();
}

bool JsonBody::checkSize(const QString &name, const QJsonValue &value, qsizetype maxBytes)
{
    const QJsonDocument document =
        value.isObject() ? QJsonDocument(value.toObject()) : QJsonDocument(value.toArray());
    if (document.toJson(QJsonDocument::Compact).size() > maxBytes) {
        fail(name, QStringLiteral("FIELD_TOO_LARGE"),
             QStringLiteral("%1 is larger than %2").arg(name, plural(maxBytes, "byte", "bytes")));
        return false;
    }
    if (!storable(value)) {
        fail(name, QStringLiteral("INVALID_FIELD"),
             QStringLiteral("%1 contains a NUL character or invalid Unicode text").arg(name));
        return false;
    }
    return true;
}

QJsonObject JsonBody::requiredObject(const QString &name, qsizetype maxBytesSerialized)
{
    const auto value = take(name, QJsonValue::Object, "an object", true);
    if (!value || !checkSize(name, *value, maxBytesSerialized))
        return {};
    return value->toObject();
}

std::optional<QJsonObject> JsonBody::optionalObject(const QString &name,
                                                    qsizetype maxBytesSerialized)
{
    const auto value = take(name, QJsonValue::Object, "an object", false);
    if (!value || !checkSize(name, *value, maxBytesSerialized))
        return std::nullopt;
    return value->toObject();
}

bool JsonBody::checkItems(const QString &name, const QJsonArray &array, qsizetype maxItems,
                          qsizetype minItems)
{
    if (array.size() > maxItems) {
        fail(name, QStringLiteral("FIELD_TOO_LARGE"),
             QStringLiteral("%1 has more than %2").arg(name, plural(maxItems, "item", "items")));
        return false;
    }
    if (array.size() < minItems) {
        fail(name, QStringLiteral("FIELD_TOO_SHORT"),
             QStringLiteral("%1 must have at least %2")
                 .arg(name, plural(minItems, "item", "items")));
        return false;
    }
    if (!storable(QJsonValue(array))) {
        fail(name, QStringLiteral("INVALID_FIELD"),
             QStringLiteral("%1 contains a NUL character or invalid Unicode text").arg(name));
        return false;
    }
    return true;
}

QJsonArray JsonBody::requiredArray(const QString &name, qsizetype maxItems, qsizetype minItems)
{
    const auto value = take(name, QJsonValue::Array, "an array", true);
    if (!value || !checkItems(name, value->toArray(), maxItems, minItems))
        return {};
    return value->toArray();
}

std::optional<QJsonArray> JsonBody::optionalArray(const QString &name, qsizetype maxItems,
                                                  qsizetype minItems)
{
    const auto value = take(name, QJsonValue::Array, "an array", false);
    if (!value || !checkItems(name, value->toArray(), maxItems, minItems))
        return std::nullopt;
    return value->toArray();
}
