// The avatar checks of server/profile/AvatarImage: format by magic bytes, complete containers,
// the pixel limit judged from the header (decompression bombs), and the re-encoding to a clean
// 256×256 PNG (centre crop, no metadata carried over). Images are made with QImage and by hand
// (tests/support/ProfileFixtures).
#include "server/profile/AvatarImage.h"
#include "tests/support/ProfileFixtures.h"

#include <QBuffer>
#include <QImageReader>
#include <QtTest>

using namespace Qt::StringLiterals;
using namespace ProfileFixtures;
using AvatarImage::Format;

Q_DECLARE_METATYPE(AvatarImage::Format)

namespace {
QImage decodePng(const QByteArray &bytes)
{
    QImage image;
    image.loadFromData(bytes, "PNG");
    return image;
}
} // namespace

class TestAvatarImage : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        const QList<QByteArray> formats = QImageReader::supportedImageFormats();
        QVERIFY2(formats.contains("webp"),
                 "no WebP support: install qt6-image-formats-plugins (scripts/packages.sh)");
        QVERIFY(formats.contains("jpeg"));
    }

    void sniff_data()
    {
        QTest::addColumn<QByteArray>("data");
        QTest::addColumn<Format>("format");
        const QImage image = bands(30, 20);
        QTest::newRow("png") << encode(image, "PNG") << Format::Png;
        QTest::newRow("jpeg") << encode(image, "JPEG") << Format::Jpeg;
        QTest::newRow("webp") << encode(image, "WEBP") << Format::Webp;
        QTest::newRow("text") << "hello, I am not an image\n"_ba << Format::Unknown;
        QTest::newRow("empty") << QByteArray() << Format::Unknown;
        QTest::newRow("svg") << "<svg xmlns='http://www.w3.org/2000/svg'/>"_ba << Format::Unknown;
        QTest::newRow("gif") << "GIF89a\x01\x00\x01\x00"_ba << Format::Unknown;
        QTest::newRow("riff wave") << "RIFF\x10\0\0\0WAVEfmt "_ba << Format::Unknown;
        QTest::newRow("png prefix only") << "\x89PNG"_ba << Format::Unknown;
    }
    void sniff()
    {
        QFETCH(QByteArray, data);
        QFETCH(Format, format);
        QCOMPARE(AvatarImage::sniff(data), format);
    }

    void eachFormatBecomesA256PngCentreCrop_data()
    {
        QTest::addColumn<QByteArray>("format");
        QTest::addColumn<int>("width");
        QTest::addColumn<int>("height");
        QTest::newRow("png wide") << "PNG"_ba << 900 << 300;
        QTest::newRow("jpeg wide") << "JPEG"_ba << 600 << 200;
        QTest::newRow("webp wide") << "WEBP"_ba << 1200 << 400;
        QTest::newRow("png tiny") << "PNG"_ba << 3 << 3;
        // Cropped before scaling: a sliver never becomes a gigantic intermediate image.
        QTest::newRow("png sliver") << "PNG"_ba << 20000 << 1;
    }
    void eachFormatBecomesA256PngCentreCrop()
    {
        QFETCH(QByteArray, format);
        QFETCH(int, width);
        QFETCH(int, height);
        const QByteArray upload = encode(bands(width, height), format.constData(), 95);
        QVERIFY(!upload.isEmpty());
        const auto output = AvatarImage::normalise(upload);
        QVERIFY2(output, qPrintable(output ? QString() : output.error().message));
        QCOMPARE(output->mimeType, "image/png"_ba);
        QCOMPARE(output->extension, u"png"_s);
        QCOMPARE(output->sourceSize, QSize(width, height));
        QCOMPARE(AvatarImage::sniff(output->bytes), Format::Png);
        const QImage stored = decodePng(output->bytes);
        QCOMPARE(stored.size(), QSize(256, 256));
        // The middle third (green) is the centre square: its edges are green, not red or blue.
        if (width >= 3 * height) {
            for (const QPoint point : {QPoint(2, 128), QPoint(128, 128), QPoint(253, 128)}) {
                const QColor colour = stored.pixelColor(point);
                QVERIFY2(colour.green() > 200 && colour.red() < 60 && colour.blue() < 60,
                         qPrintable(u"%1,%2 is %3"_s.arg(point.x()).arg(point.y()).arg(colour.name())));
            }
        }
        // Same input, same bytes: the content-hash key dedupes repeated uploads.
        QCOMPARE(AvatarImage::normalise(upload)->bytes, output->bytes);
    }

    void truncatedImagesAreRefused_data()
    {
        QTest::addColumn<QByteArray>("format");
        QTest::newRow("png") << "PNG"_ba;
        QTest::newRow("jpeg") << "JPEG"_ba;
        QTest::newRow("webp") << "WEBP"_ba;
    }
    void truncatedImagesAreRefused()
    {
        QFETCH(QByteArray, format);
        const QByteArray whole = encode(bands(200, 120), format.constData());
        QVERIFY(AvatarImage::isComplete(whole, AvatarImage::sniff(whole)));
        for (const qsizetype cut : {whole.size() / 2, whole.size() - 2, qsizetype(40)}) {
            const QByteArray part = whole.left(cut);
            QVERIFY(!AvatarImage::isComplete(part, AvatarImage::sniff(part)));
            const auto output = AvatarImage::normalise(part);
            QVERIFY(!output);
            QCOMPARE(output.error().code, u"AVATAR_TRUNCATED"_s);
            QCOMPARE(AvatarImage::httpStatus(output.error().code), 400);
        }
    }

    void corruptPixelDataIsRefused()
    {
        // Structurally complete (every chunk there, IEND last) but the IDAT stream is garbage.
        const QByteArray ihdr = QByteArray::fromHex("00000040000000400802000000");
        const QByteArray png = "\x89PNG\r\n\x1a\n"_ba + pngChunk("IHDR", ihdr) +
                               pngChunk("IDAT", QByteArray(50, 'x')) + pngChunk("IEND", {});
        QVERIFY(AvatarImage::isComplete(png, Format::Png));
        const auto output = AvatarImage::normalise(png);
        QVERIFY(!output);
        QCOMPARE(output.error().code, u"AVATAR_INVALID"_s);
    }

    void textIsUnsupported()
    {
        const auto output = AvatarImage::normalise("just some text, sent as image/png"_ba);
        QVERIFY(!output);
        QCOMPARE(output.error().code, u"AVATAR_UNSUPPORTED_FORMAT"_s);
        QCOMPARE(AvatarImage::httpStatus(output.error().code), 415);
    }

    void decompressionBombIsRefusedFromItsHeader()
    {
        const QByteArray bomb = bombPng(20000, 20000);
        QVERIFY2(bomb.size() < 2048, QByteArray::number(bomb.size()));
        QVERIFY(AvatarImage::isComplete(bomb, Format::Png));
        QCOMPARE(AvatarImage::declaredSize(bomb, Format::Png), QSize(20000, 20000));
        QElapsedTimer timer;
        timer.start();
        const auto output = AvatarImage::normalise(bomb);
        QVERIFY(!output);
        QCOMPARE(output.error().code, u"AVATAR_TOO_MANY_PIXELS"_s);
        // Refused before decoding: no 1.2 GB of pixels were inflated.
        QVERIFY2(timer.elapsed() < 1000, QByteArray::number(timer.elapsed()));

        // Just over and just under a lower limit, so the boundary is the one configured.
        AvatarImage::Limits limits;
        limits.maxPixels = 100 * 100;
        QCOMPARE(AvatarImage::normalise(bombPng(100, 101), limits).error().code,
                 u"AVATAR_TOO_MANY_PIXELS"_s);
        QVERIFY(AvatarImage::normalise(encode(bands(100, 100), "PNG"), limits));
    }

    void allocationLimitCoversTheLargestAcceptedImage()
    {
        // 40 MP at four bytes per pixel is 152.6 MiB: rounded up, never down.
        QCOMPARE(AvatarImage::allocationLimitMb(40'000'000), 153);
        QCOMPARE(AvatarImage::allocationLimitMb(1024 * 1024 / 4), 1);
    }

    void metadataIsNotCarriedOver()
    {
        const QByteArray marker = "GATEHOUSE-SECRET-MARKER-7f3a";
        const QByteArray jpeg = jpegWithExif(encode(bands(300, 300), "JPEG"), marker);
        QVERIFY(jpeg.contains(marker));
        QCOMPARE(AvatarImage::sniff(jpeg), Format::Jpeg);
        QVERIFY(AvatarImage::isComplete(jpeg, Format::Jpeg));
        const auto fromJpeg = AvatarImage::normalise(jpeg);
        QVERIFY2(fromJpeg, qPrintable(fromJpeg ? QString() : fromJpeg.error().message));
        QVERIFY(!fromJpeg->bytes.contains(marker));

        const QByteArray png = pngWithText(encode(bands(300, 300), "PNG"), marker);
        QVERIFY(QImage::fromData(png, "PNG").text().contains(QString::fromLatin1(marker)));
        const auto fromPng = AvatarImage::normalise(png);
        QVERIFY(fromPng);
        QVERIFY(!fromPng->bytes.contains(marker));
        QVERIFY(!fromPng->bytes.contains("tEXt"));
        QVERIFY(!fromPng->bytes.contains("iCCP"));
        QVERIFY(decodePng(fromPng->bytes).text().isEmpty());
    }

    void exifThumbnailDoesNotHideATruncatedImage()
    {
        // An EXIF block ahead of the scan holds bytes that look like markers; the check walks
        // the segments by their lengths, so only the main image's end counts.
        const QByteArray whole = jpegWithExif(encode(bands(200, 200), "JPEG"), "\xFF\xD9 tricky"_ba);
        QVERIFY(AvatarImage::isComplete(whole, Format::Jpeg));
        QVERIFY(!AvatarImage::isComplete(whole.left(whole.size() - 10), Format::Jpeg));
    }
};

QTEST_GUILESS_MAIN(TestAvatarImage)
#include "TestAvatarImage.moc"
