#include "Totp.h"

#include "server/crypto/Crypto.h"

namespace Totp {

qint64 stepAt(const QDateTime &time, int periodSeconds)
{
    const qint64 seconds = time.toSecsSinceEpoch();
    return seconds <= 0 ? 0 : seconds / periodSeconds;
}

QByteArray hotp(QByteArrayView secret, quint64 counter, int digits)
{
    Q_ASSERT(digits >= 6 && digits <= 8);
    char message[8];
    for (int i = 7; i >= 0; --i) {
        message[i] = static_cast<char>(counter & 0xff);
        counter >>= 8;
    }
    const QByteArray mac = Crypto::hmacSha1(secret, QByteArrayView(message, 8));
    const int offset = static_cast<quint8>(mac[19]) & 0x0f;
    const quint32 binary = (static_cast<quint32>(static_cast<quint8>(mac[offset]) & 0x7f) << 24) |
                           (static_cast<quint32>(static_cast<quint8>(mac[offset + 1])) << 16) |
                           (static_cast<quint32>(static_cast<quint8>(mac[offset + 2])) << 8) |
                           static_cast<quint32>(static_cast<quint8>(mac[offset + 3]));
    quint32 modulus = 1;
    for (int i = 0; i < digits; ++i)
        modulus *= 10;
    QByteArray code = QByteArray::number(binary % modulus);
    return code.rightJustified(digits, '0');
}

QByteArray codeAt(QByteArrayView secret, const QDateTime &time, int digits)
{
    return hotp(secret, static_cast<quint64>(stepAt(time)), digits);
}

QByteArray newSecret()
{
    return Crypto::randomBytes(kSecretBytes);
}

bool isWellFormedCode(QStringView code)
{
    if (code.size() != kDigits)
        return false;
    for (const QChar c : code) {
        if (c < u'0' || c > u'9')
            return false;
    }
    return true;
}

std::optional<qint64> verify(QByteArrayView secret, QByteArrayView code, const Clock &clock,
                             std::optional<qint64> lastUsedStep)
{
    const qint64 now = stepAt(clock());
    // equalConstantTime's time depends only on the expected code's length (always kDigits), so
    // neither the presented code's content nor its length shows in the timing.
    std::optional<qint64> matched;
    for (qint64 step = now - kWindowSteps; step <= now + kWindowSteps; ++step) {
        if (step < 0)
            continue;
        const QByteArray expected = hotp(secret, static_cast<quint64>(step));
        const bool equal = Crypto::equalConstantTime(expected, code);
        const bool fresh = !lastUsedStep || step > *lastUsedStep;
        // Non-short-circuit & so every candidate costs the same whatever matched.
        if (static_cast<int>(equal) & static_cast<int>(fresh))
            matched = step;
    }
    return matched;
}

} // namespace Totp
