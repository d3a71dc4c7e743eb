#pragma once

#include <QByteArrayView>
#include <optional>

// A minimal, strict DER reader for the small ASN.1 structures inside attestation certificate
// extensions (AAGUID, Apple nonce, Android KeyDescription). Definite, minimal lengths only;
// multi-byte tag numbers supported (Android uses [600] and [702]). The views point into the
// caller's buffer.
namespace WebAuthn::Der {

enum class TagClass
{
    Universal = 0,
    Application = 1,
    Context = 2,
    Private = 3
};

struct Element
{
    TagClass tagClass = TagClass::Universal;
    bool constructed = false;
    quint32 tagNumber = 0;
    QByteArrayView content;
};

// Universal tag numbers used here.
inline constexpr quint32 kInteger = 2;
inline constexpr quint32 kOctetString = 4;
inline constexpr quint32 kNull = 5;
inline constexpr quint32 kEnumerated = 10;
inline constexpr quint32 kSequence = 16;
inline constexpr quint32 kSet = 17;

class Reader
{
public:
    explicit Reader(QByteArrayView data) : m_data(data) {}

    bool atEnd() const { return m_offset == m_data.size(); }
    // The next element, or nullopt when it is malformed or runs past the end (the reader then
    // stays unusable: every later call returns nullopt too).
    std::optional<Element> next();
    // The next element when it has this universal tag.
    std::optional<QByteArrayView> expect(quint32 universalTag, bool constructed = false);

private:
    QByteArrayView m_data;
    qsizetype m_offset = 0;
    bool m_failed = false;
};

// The content of `der` when it is exactly one element with that universal tag.
std::optional<QByteArrayView> unwrap(QByteArrayView der, quint32 universalTag,
                                     bool constructed = false);
// A DER INTEGER/ENUMERATED content (two's complement, 1 to 8 bytes, minimal) as a number.
std::optional<qint64> toInteger(QByteArrayView content);

} // namespace WebAuthn::Der
