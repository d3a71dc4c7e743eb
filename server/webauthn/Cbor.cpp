#include "server/webauthn/Cbor.h"

#include <QCborArray>
#include <QCborMap>
#include <QCborStreamReader>
#include <limits>

namespace WebAuthn::Cbor {
namespace {

class Decoder
{
public:
    explicit Decoder(QByteArrayView data)
        // No copy: the reader only lives as long as this call and `data`.
        : m_bytes(QByteArray::fromRawData(data.data(), data.size())), m_reader(m_bytes)
    {
    }

    Result<QCborValue> item(int depth)
    {
        if (depth > kMaxDepth)
            return fail(QStringLiteral("nesting deeper than %1").arg(kMaxDepth));
        if (++m_items > kMaxItems)
            return fail(QStringLiteral("more than %1 items").arg(kMaxItems));
        if (m_reader.lastError() != QCborError::NoError || !m_reader.isValid())
            return fail(QStringLiteral("truncated or malformed item"));

        switch (m_reader.type()) {
        case QCborStreamReader::UnsignedInteger: {
            const quint64 value = m_reader.toUnsignedInteger();
            if (value > quint64(std::numeric_limits<qint64>::max()))
                return fail(QStringLiteral("integer out of range"));
            return advance(QCborValue(static_cast<qint64>(value)));
        }
        case QCborStreamReader::NegativeInteger: {
            // Holds -value; 2^64 wraps to 0.
            const quint64 magnitude = quint64(m_reader.toNegativeInteger());
            if (magnitude == 0 || magnitude > quint64(1) << 63)
                return fail(QStringLiteral("integer out of range"));
            const qint64 value = magnitude == quint64(1) << 63 ? std::numeric_limits<qint64>::min()
                                                               : -static_cast<qint64>(magnitude);
            return advance(QCborValue(value));
        }
        case QCborStreamReader::ByteArray:
            return byteString();
        case QCborStreamReader::String:
            return textString();
        case QCborStreamReader::Array:
            return array(depth);
        case QCborStreamReader::Map:
            return map(depth);
        case QCborStreamReader::SimpleType:
            if (m_reader.isFalse())
                return advance(QCborValue(false));
            if (m_reader.isTrue())
                return advance(QCborValue(true));
            if (m_reader.isNull())
                return advance(QCborValue(nullptr));
            return fail(QStringLiteral("unsupported simple value"));
        case QCborStreamReader::Tag:
            return fail(QStringLiteral("tags are not accepted"));
        case QCborStreamReader::Float16:
        case QCborStreamReader::Float:
        case QCborStreamReader::Double:
            return fail(QStringLiteral("floating-point values are not accepted"));
        case QCborStreamReader::Invalid:
            break;
        }
        return fail(QStringLiteral("truncated or malformed item"));
    }

    qsizetype offset() const { return static_cast<qsizetype>(m_reader.currentOffset()); }
    qsizetype size() const { return m_bytes.size(); }

    Error fail(const QString &why) const
    {
        return makeError(QStringLiteral("WEBAUTHN_CBOR_INVALID"),
                         QStringLiteral("Invalid CBOR at byte %1: %2").arg(offset()).arg(why));
    }

private:
    qsizetype remaining() const { return m_bytes.size() - offset(); }

    // The declared length of the current string/container, refused when it is indefinite or
    // cannot fit in what is left of the input (each element takes at least `minBytesEach`).
    Result<qsizetype> declaredLength(qsizetype minBytesEach)
    {
        if (!m_reader.isLengthKnown())
            return fail(QStringLiteral("indefinite lengths are not accepted"));
        const quint64 length = m_reader.length();
        if (length > quint64(remaining()) / quint64(minBytesEach))
            return fail(QStringLiteral("declared length %1 exceeds the %2 bytes left")
                            .arg(length)
                            .arg(remaining()));
        return static_cast<qsizetype>(length);
    }

    Result<QCborValue> advance(QCborValue value)
    {
        if (!m_reader.next())
            return fail(QStringLiteral("truncated item"));
        return value;
    }

    template <typename Read, typename Container>
    Result<Container> readString(Read read, Container out)
    {
        for (;;) {
            auto chunk = read();
            if (chunk.status == QCborStreamReader::Error)
                return fail(QStringLiteral("truncated or malformed string"));
            out += chunk.data;
            if (chunk.status == QCborStreamReader::EndOfString)
                return out;
        }
    }

    Result<QCborValue> byteString()
    {
        auto length = declaredLength(1);
        if (!length)
            return length.error();
        QByteArray out;
        out.reserve(*length);
        auto bytes = readString([this] { return m_reader.readByteArray(); }, out);
        if (!bytes)
            return bytes.error();
        return QCborValue(*bytes);
    }

    Result<QCborValue> textString()
    {
        auto length = declaredLength(1);
        if (!length)
            return length.error();
        // readString refuses invalid UTF-8.
        auto text = readString([this] { return m_reader.readString(); }, QString());
        if (!text)
            return text.error();
        return QCborValue(*text);
    }

    Result<QCborValue> array(int depth)
    {
        auto length = declaredLength(1);
        if (!length)
            return length.error();
        if (!m_reader.enterContainer())
            return fail(QStringLiteral("malformed array"));
        QCborArray out;
        for (qsizetype i = 0; i < *length; ++i) {
            auto element = item(depth + 1);
            if (!element)
                return element.error();
            out.append(*element);
        }
        return leave(QCborValue(out));
    }

    Result<QCborValue> map(int depth)
    {
        auto length = declaredLength(2);
        if (!length)
            return length.error();
        if (!m_reader.enterContainer())
            return fail(QStringLiteral("malformed map"));
        QCborMap out;
        for (qsizetype i = 0; i < *length; ++i) {
            const qsizetype keyOffset = offset();
            auto key = item(depth + 1);
            if (!key)
                return key.error();
            if (!key->isInteger() && !key->isString())
                return fail(QStringLiteral("map keys must be integers or text"));
            if (out.contains(*key))
                return makeError(
                    QStringLiteral("WEBAUTHN_CBOR_INVALID"),
                    QStringLiteral("Invalid CBOR at byte %1: duplicate map key").arg(keyOffset));
            auto value = item(depth + 1);
            if (!value)
                return value.error();
            out.insert(*key, *value);
        }
        return leave(QCborValue(out));
    }

    Result<QCborValue> leave(QCborValue value)
    {
        if (m_reader.hasNext() || !m_reader.leaveContainer())
            return fail(QStringLiteral("malformed container"));
        return value;
    }

    QByteArray m_bytes;
    QCborStreamReader m_reader;
    int m_items = 0;
};

} // namespace

Result<QCborValue> decodePrefix(QByteArrayView data, qsizetype *consumed)
{
    Decoder decoder(data);
    if (data.isEmpty())
        return decoder.fail(QStringLiteral("no data"));
    auto value = decoder.item(0);
    if (!value)
        return value;
    if (consumed)
        *consumed = decoder.offset();
    return value;
}

Result<QCborValue> decodeExact(QByteArrayView data)
{
    qsizetype consumed = 0;
    auto value = decodePrefix(data, &consumed);
    if (value && consumed != data.size())
        return makeError(QStringLiteral("WEBAUTHN_CBOR_INVALID"),
                         QStringLiteral("Invalid CBOR: %1 bytes after the data item")
                             .arg(data.size() - consumed));
    return value;
}

} // namespace WebAuthn::Cbor
