#include "TotpProvisioning.h"

#include "Base32.h"
#include "Totp.h"

#include <QUrl>

#include <qrencode.h>

#include <memory>

namespace TotpProvisioning {

QString otpauthUri(const QString &issuer, const QString &email, QByteArrayView secret)
{
    const auto encode = [](const QString &text) {
        return QString::fromLatin1(QUrl::toPercentEncoding(text, QByteArrayLiteral("@")));
    };
    const QString base32 = QString::fromLatin1(Base32::encode(secret, Base32::Padding::Without));
    // Concatenated, not QString::arg(): percent-encoded text like "%2B" would be taken for a
    // placeholder by a later arg() call.
    return QStringLiteral("otpauth://totp/") + encode(issuer) + u':' + encode(email) +
           QStringLiteral("?secret=") + base32 + QStringLiteral("&issuer=") + encode(issuer) +
           QStringLiteral("&algorithm=SHA1&digits=") + QString::number(Totp::kDigits) +
           QStringLiteral("&period=") + QString::number(Totp::kPeriodSeconds);
}

Result<QString> qrSvg(const QString &text)
{
    const QByteArray utf8 = text.toUtf8();
    // Byte mode with case sensitivity: the URI is mixed case and must come back unchanged.
    std::unique_ptr<QRcode, decltype(&QRcode_free)> code(
        QRcode_encodeString8bit(utf8.constData(), 0, QR_ECLEVEL_M), &QRcode_free);
    if (!code)
        return makeError(QStringLiteral("QR_ENCODE_FAILED"),
                         QStringLiteral("the text does not fit in a QR code"));
    constexpr int kQuietZone = 4;
    const int width = code->width;
    const int size = width + 2 * kQuietZone;
    // One sub-path per horizontal run of dark modules keeps the SVG small (a few KiB).
    QString path;
    path.reserve(width * width * 4);
    for (int y = 0; y < width; ++y) {
        const unsigned char *row = code->data + static_cast<qsizetype>(y) * width;
        for (int x = 0; x < width;) {
            if (!(row[x] & 1)) { // bit 0: dark module
                ++x;
                continue;
            }
            int run = 1;
            while (x + run < width && (row[x + run] & 1))
                ++run;
            path += QStringLiteral("M%1 %2h%3v1h-%3z").arg(x + kQuietZone).arg(y + kQuietZone).arg(run);
            x += run;
        }
    }
    return QStringLiteral("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %1 %1\" "
                          "width=\"%2\" height=\"%2\" shape-rendering=\"crispEdges\" role=\"img\" "
                          "aria-label=\"QR code\">"
                          "<rect width=\"%1\" height=\"%1\" fill=\"#fff\"/>"
                          "<path fill=\"#000\" d=\"%3\"/></svg>")
        .arg(size)
        .arg(size * 5)
        .arg(path);
}

} // namespace TotpProvisioning
