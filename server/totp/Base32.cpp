#include "Base32.h"

namespace Base32 {

namespace {
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int valueOf(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= '2' && c <= '7')
        return c - '2' + 26;
    return -1;
}

Error invalid(const char *why)
{
    return makeError(QString(kInvalid), QString::fromLatin1(why));
}
} // namespace

QByteArray encode(QByteArrayView data, Padding padding)
{
    QByteArray out;
    out.reserve((data.size() + 4) / 5 * 8);
    quint32 buffer = 0;
    int bits = 0;
    for (const char byte : data) {
        buffer = (buffer << 8) | static_cast<quint8>(byte);
        bits += 8;
        while (bits >= 5) {
            out.append(kAlphabet[(buffer >> (bits - 5)) & 0x1f]);
            bits -= 5;
        }
        buffer &= (1u << bits) - 1; // keep only the bits not yet written
    }
    if (bits > 0)
        out.append(kAlphabet[(buffer << (5 - bits)) & 0x1f]);
    if (padding == Padding::With) {
        while (out.size() % 8 != 0)
            out.append('=');
    }
    return out;
}

Result<QByteArray> decode(QByteArrayView text)
{
    // Split off the padding: all '=' must be trailing, and then they must fill the last group.
    qsizetype dataLength = text.size();
    while (dataLength > 0 && text[dataLength - 1] == '=')
        --dataLength;
    const qsizetype padLength = text.size() - dataLength;
    if (padLength > 0 && text.size() % 8 != 0)
        return invalid("padding must complete a group of 8 characters");
    // The characters of the last group that carry data: 2, 4, 5, 7 or 8 (1, 3, 6 cannot occur).
    const qsizetype tail = dataLength % 8;
    if (tail == 1 || tail == 3 || tail == 6)
        return invalid("impossible length");
    if (padLength > 0 && (tail == 0 || padLength != 8 - tail))
        return invalid("wrong amount of padding");

    QByteArray out;
    out.reserve(dataLength * 5 / 8);
    quint32 buffer = 0;
    int bits = 0;
    for (qsizetype i = 0; i < dataLength; ++i) {
        const int value = valueOf(text[i]);
        if (value < 0)
            return invalid("character outside the RFC 4648 base32 alphabet");
        buffer = (buffer << 5) | static_cast<quint32>(value);
        bits += 5;
        if (bits >= 8) {
            out.append(static_cast<char>((buffer >> (bits - 8)) & 0xff));
            bits -= 8;
            buffer &= (1u << bits) - 1;
        }
    }
    // What is left over are the unused low bits of the last character: they must be zero.
    if (buffer != 0)
        return invalid("non-zero unused bits in the last character");
    return out;
}

Result<QByteArray> decode(QStringView text)
{
    QByteArray latin;
    latin.reserve(text.size());
    for (const QChar c : text) {
        if (c.unicode() > 0x7f)
            return invalid("character outside the RFC 4648 base32 alphabet");
        latin.append(static_cast<char>(c.unicode()));
    }
    return decode(QByteArrayView(latin));
}

} // namespace Base32
