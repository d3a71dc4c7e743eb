#pragma once

#include "models/common/Result.h"

#include <QByteArray>
#include <QSize>
#include <QString>

// Turns an uploaded avatar into the one image Gatehouse stores: a 256×256 PNG without any of
// the upload's metadata (EXIF, text chunks, ICC profile are not carried over; EXIF orientation
// is applied first so the picture stays upright).
//
// The upload is judged by its content, never by the Content-Type it came with: the magic bytes
// decide the format (PNG, JPEG, WebP), the container must be complete (a truncated upload is
// refused, where decoders would quietly fill the rest with grey), and the pixel count declared
// in the header is checked before a single pixel is decoded, so a small file declaring a huge
// image (a decompression bomb) costs nothing. QImageReader's allocation limit backs that up.
//
// Pure functions of their input, reentrant: the upload route runs normalise() off the HTTP
// worker thread.
//
// Error codes: AVATAR_UNSUPPORTED_FORMAT (not PNG/JPEG/WebP, or no decoder for it here),
// AVATAR_TRUNCATED, AVATAR_TOO_MANY_PIXELS, AVATAR_INVALID (corrupt, undecodable).
namespace AvatarImage {

enum class Format
{
    Unknown,
    Png,
    Jpeg,
    Webp,
};

struct Limits
{
    qint64 maxPixels = 40'000'000; // 40 megapixels, judged from the header
    int outputSide = 256;          // the stored image is outputSide × outputSide
};

struct Output
{
    QByteArray bytes;    // the encoded PNG
    QByteArray mimeType; // image/png
    QString extension;   // png
    QSize sourceSize;    // the upload's size before cropping and scaling
};

// The format the magic bytes announce (nothing else is looked at).
Format sniff(const QByteArray &data);
QString formatName(Format format); // "PNG", "JPEG", "WebP", "unknown"

// Whether the container of `format` is complete: PNG up to its IEND chunk, JPEG up to the EOI
// marker after the image's scan, WebP as long as its RIFF header says.
bool isComplete(const QByteArray &data, Format format);

// The image's size as its header declares it, without decoding (invalid when unreadable).
QSize declaredSize(const QByteArray &data, Format format);

// The QImageReader allocation limit, in MiB, for images of up to `maxPixels` decoded at four
// bytes per pixel.
int allocationLimitMb(qint64 maxPixels);

// Checks, decodes, centre-crops to a square, scales (smooth) and re-encodes.
Result<Output> normalise(const QByteArray &data, const Limits &limits = {});

// The HTTP status for one of the error codes above.
int httpStatus(const QString &code);

} // namespace AvatarImage
