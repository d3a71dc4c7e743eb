#include "AvatarImage.h"

#include <QBuffer>
#include <QColorSpace>
#include <QImage>
#include <QImageReader>
#include <QtEndian>

#include <algorithm>
#include <cstring>

namespace AvatarImage {

namespace {
constexpr char kPngSignature[] = "\x89PNG\r\n\x1a\n";

quint32 bigEndian32(const QByteArray &data, qsizetype at)
{
    return qFromBigEndian<quint32>(reinterpret_cast<const uchar *>(data.constData()) + at);
}

quint32 littleEndian32(const QByteArray &data, qsizetype at)
{
    return qFromLittleEndian<quint32>(reinterpret_cast<const uchar *>(data.constData()) + at);
}

quint8 byteAt(const QByteArray &data, qsizetype at)
{
    return static_cast<quint8>(data.at(at));
}

// Chunks are length, type, data, CRC; the file ends with IEND. CRCs are libpng's business.
bool pngComplete(const QByteArray &data)
{
    qsizetype at = 8;
    bool first = true;
    while (at + 12 <= data.size()) {
        const quint32 length = bigEndian32(data, at);
        const QByteArray type = data.mid(at + 4, 4);
        if (first && type != "IHDR")
            return false;
        first = false;
        if (length > 0x7fffffffu || qint64(length) > data.size() - at - 12)
            return false; // runs past the end: cut off
        if (type == "IEND")
            return true;
        at += 12 + qsizetype(length);
    }
    return false;
}

// Walks the marker segments to the first SOS by their lengths (so an EXIF thumbnail, which
// has its own SOI…EOI inside APP1, is skipped), then looks for EOI after it. Inside the
// entropy-coded data 0xFF is always stuffed (FF 00) or a restart marker (FF D0…D7), so the
// first FF D9 there is the real end of the image.
bool jpegComplete(const QByteArray &data)
{
    qsizetype at = 2;
    while (at + 4 <= data.size()) {
        if (byteAt(data, at) != 0xFF)
            return false;
        quint8 marker = byteAt(data, at + 1);
        while (marker == 0xFF && at + 2 < data.size()) { // fill bytes
            ++at;
            marker = byteAt(data, at + 1);
        }
        if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) { // no length
            at += 2;
            continue;
        }
        if (marker == 0xD9) // EOI before any scan: no image in it
            return false;
        const qsizetype length = (qsizetype(byteAt(data, at + 2)) << 8) | byteAt(data, at + 3);
        if (length < 2 || at + 2 + length > data.size())
            return false;
        if (marker == 0xDA)
            return data.indexOf(QByteArrayView("\xFF\xD9", 2), at + 2 + length) >= 0;
        at += 2 + length;
    }
    return false;
}

// RIFF size (little endian) counts everything after the first eight bytes.
bool webpComplete(const QByteArray &data)
{
    if (data.size() < 20)
        return false;
    const quint32 riffSize = littleEndian32(data, 4);
    return riffSize >= 12 && qint64(riffSize) + 8 <= data.size();
}

QByteArray readerFormat(Format format)
{
    switch (format) {
    case Format::Png: return QByteArrayLiteral("png");
    case Format::Jpeg: return QByteArrayLiteral("jpeg");
    case Format::Webp: return QByteArrayLiteral("webp");
    case Format::Unknown: break;
    }
    return {};
}

Error failure(const char *code, const QString &message)
{
    return makeError(QLatin1String(code), message);
}
} // namespace

Format sniff(const QByteArray &data)
{
    if (data.startsWith(QByteArrayView(kPngSignature, 8)))
        return Format::Png;
    if (data.size() >= 3 && byteAt(data, 0) == 0xFF && byteAt(data, 1) == 0xD8 &&
        byteAt(data, 2) == 0xFF)
        return Format::Jpeg;
    if (data.size() >= 12 && data.startsWith("RIFF") && data.mid(8, 4) == "WEBP")
        return Format::Webp;
    return Format::Unknown;
}

QString formatName(Format format)
{
    switch (format) {
    case Format::Png: return QStringLiteral("PNG");
    case Format::Jpeg: return QStringLiteral("JPEG");
    case Format::Webp: return QStringLiteral("WebP");
    case Format::Unknown: break;
    }
    return QStringLiteral("unknown");
}

bool isComplete(const QByteArray &data, Format format)
{
    switch (format) {
    case Format::Png: return pngComplete(data);
    case Format::Jpeg: return jpegComplete(data);
    case Format::Webp: return webpComplete(data);
    case Format::Unknown: break;
    }
    return false;
}

QSize declaredSize(const QByteArray &data, Format format)
{
    QByteArray copy = data; // QBuffer wants a non-const array; implicitly shared, not copied
    QBuffer buffer(&copy);
    buffer.open(QIODevice::ReadOnly);
    QImageReader reader(&buffer, readerFormat(format));
    reader.setAutoDetectImageFormat(false);
    return reader.size();
}

int allocationLimitMb(qint64 maxPixels)
{
    const qint64 bytes = maxPixels * 4;
    return int((bytes + (1 << 20) - 1) >> 20);
}

Result<Output> normalise(const QByteArray &data, const Limits &limits)
{
    const Format format = sniff(data);
    if (format == Format::Unknown)
        return failure("AVATAR_UNSUPPORTED_FORMAT",
                       QStringLiteral("the body is not a PNG, JPEG or WebP image (judged by its "
                                      "content, not its Content-Type)"));
    const QByteArray name = readerFormat(format);
    if (!QImageReader::supportedImageFormats().contains(name))
        return failure("AVATAR_UNSUPPORTED_FORMAT",
                       QStringLiteral("this server cannot read %1 images (the Qt image format "
                                      "plugin is not installed)")
                           .arg(formatName(format)));
    if (!isComplete(data, format))
        return failure("AVATAR_TRUNCATED",
                       QStringLiteral("the %1 image is cut off or malformed").arg(formatName(format)));

    QByteArray copy = data;
    QBuffer buffer(&copy);
    buffer.open(QIODevice::ReadOnly);
    QImageReader reader(&buffer, name);
    reader.setAutoDetectImageFormat(false);
    reader.setAutoTransform(true); // EXIF orientation, applied before the EXIF is dropped
    reader.setAllocationLimit(allocationLimitMb(limits.maxPixels));

    const QSize size = reader.size(); // from the header: nothing decoded yet
    if (!size.isValid() || size.isEmpty())
        return failure("AVATAR_INVALID",
                       QStringLiteral("the %1 image has no readable size").arg(formatName(format)));
    if (qint64(size.width()) * size.height() > limits.maxPixels)
        return failure("AVATAR_TOO_MANY_PIXELS",
                       QStringLiteral("the image is %1×%2 pixels; at most %3 megapixels are "
                                      "accepted")
                           .arg(size.width())
                           .arg(size.height())
                           .arg(double(limits.maxPixels) / 1e6));

    QImage image;
    if (!reader.read(&image) || image.isNull())
        return failure("AVATAR_INVALID", QStringLiteral("the %1 image cannot be decoded: %2")
                                             .arg(formatName(format), reader.errorString()));

    // The centre square as a view into the decoded pixels (no copy of a possibly huge image),
    // scaled straight to the output size. Cropping first also keeps a 1×40,000,000 image from
    // turning into a gigantic one on the way.
    if (image.depth() < 8)
        image.convertTo(image.hasAlphaChannel() ? QImage::Format_ARGB32 : QImage::Format_RGB32);
    const int crop = std::min(image.width(), image.height());
    const int x = (image.width() - crop) / 2;
    const int y = (image.height() - crop) / 2;
    QImage view(image.constBits() + qsizetype(y) * image.bytesPerLine() +
                    qsizetype(x) * (image.depth() / 8),
                crop, crop, image.bytesPerLine(), image.format());
    view.setColorTable(image.colorTable());
    view.setColorSpace(image.colorSpace());
    const int side = limits.outputSide;
    QImage square = view.scaled(side, side, Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
    if (square.constBits() == view.constBits()) // same size: scaled() shares the view's pixels
        square = square.copy();
    view = QImage();
    image = QImage(); // the full-size pixels can go now
    if (square.colorSpace().isValid() && square.colorSpace() != QColorSpace(QColorSpace::SRgb))
        square.convertToColorSpace(QColorSpace::SRgb);
    const QImage::Format pixels =
        square.hasAlphaChannel() ? QImage::Format_ARGB32 : QImage::Format_RGB32;
    square.convertTo(pixels);

    // A new image over the same pixels carries none of the source's metadata (text keys, color
    // space, EXIF-derived values); copy() then makes it own its pixels.
    const QImage clean =
        QImage(square.constBits(), square.width(), square.height(), square.bytesPerLine(), pixels)
            .copy();

    Output output;
    QBuffer out(&output.bytes);
    out.open(QIODevice::WriteOnly);
    if (!clean.save(&out, "PNG"))
        return failure("AVATAR_INVALID", QStringLiteral("the avatar could not be encoded"));
    output.mimeType = QByteArrayLiteral("image/png");
    output.extension = QStringLiteral("png");
    output.sourceSize = size;
    return output;
}

int httpStatus(const QString &code)
{
    if (code == QLatin1String("AVATAR_UNSUPPORTED_FORMAT"))
        return 415;
    return 400;
}

} // namespace AvatarImage
