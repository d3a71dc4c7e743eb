#include "server/webauthn/Der.h"

namespace WebAuthn::Der {

std::optional<Element> Reader::next()
{
    auto byteAt = [this](qsizetype at) { return static_cast<unsigned char>(m_data[at]); };
    if (m_failed || m_offset >= m_data.size()) {
        m_failed = true;
        return std::nullopt;
    }
    qsizetype at = m_offset;
    const unsigned char identifier = byteAt(at++);
    Element element;
    element.tagClass = static_cast<TagClass>(identifier >> 6);
    element.constructed = (identifier & 0x20) != 0;
    element.tagNumber = identifier & 0x1f;
    if (element.tagNumber == 0x1f) {
        // High tag number: base 128, most significant group first, no leading 0x80 group,
        // at most 4 groups (2^28 tags is far more than any structure here uses).
        element.tagNumber = 0;
        for (int groups = 0;; ++groups) {
            if (at >= m_data.size() || groups == 4 || (groups == 0 && byteAt(at) == 0x80)) {
                m_failed = true;
                return std::nullopt;
            }
            const unsigned char group = byteAt(at++);
            element.tagNumber = (element.tagNumber << 7) | (group & 0x7f);
            if ((group & 0x80) == 0)
                break;
        }
        if (element.tagNumber < 0x1f) { // must have used the short form
            m_failed = true;
            return std::nullopt;
        }
    }
    if (at >= m_data.size()) {
        m_failed = true;
        return std::nullopt;
    }
    qsizetype length = byteAt(at++);
    if (length & 0x80) {
        const int count = static_cast<int>(length & 0x7f);
        if (count < 1 || count > 3 || at + count > m_data.size() || byteAt(at) == 0) {
            m_failed = true;
            return std::nullopt;
        }
        length = 0;
        for (int i = 0; i < count; ++i)
            length = (length << 8) | byteAt(at++);
        if (length < 0x80) { // DER: the short form whenever it fits
            m_failed = true;
            return std::nullopt;
        }
    }
    if (length > m_data.size() - at) {
        m_failed = true;
        return std::nullopt;
    }
    element.content = m_data.sliced(at, length);
    m_offset = at + length;
    return element;
}

std::optional<QByteArrayView> Reader::expect(quint32 universalTag, bool constructed)
{
    const auto element = next();
    if (!element || element->tagClass != TagClass::Universal ||
        element->tagNumber != universalTag || element->constructed != constructed) {
        m_failed = true;
        return std::nullopt;
    }
    return element->content;
}

std::optional<QByteArrayView> unwrap(QByteArrayView der, quint32 universalTag, bool constructed)
{
    Reader reader(der);
    const auto content = reader.expect(universalTag, constructed);
    if (!content || !reader.atEnd())
        return std::nullopt;
    return content;
}

std::optional<qint64> toInteger(QByteArrayView content)
{
    if (content.isEmpty() || content.size() > 8)
        return std::nullopt;
    // Minimal two's complement: no redundant leading 0x00 or 0xff byte.
    if (content.size() > 1) {
        const auto first = static_cast<unsigned char>(content[0]);
        const auto second = static_cast<unsigned char>(content[1]);
        if ((first == 0x00 && (second & 0x80) == 0) || (first == 0xff && (second & 0x80) != 0))
            return std::nullopt;
    }
    quint64 value = (static_cast<unsigned char>(content[0]) & 0x80) ? ~quint64(0) : 0;
    for (char c : content)
        value = (value << 8) | static_cast<unsigned char>(c);
    return static_cast<qint64>(value);
}

} // namespace WebAuthn::Der
