#include "ProfileFixtures.h"

#include <QBuffer>
#include <QColor>
#include <QDeadlineTimer>
#include <QSqlQuery>
#include <QTest>
#include <QtEndian>

namespace ProfileFixtures {

QImage bands(int width, int height)
{
    QImage image(width, height, QImage::Format_RGB32);
    for (int y = 0; y < height; ++y) {
        for (int x = 0; x < width; ++x) {
            const int third = x * 3 / width;
            image.setPixel(x, y, third == 0 ? qRgb(255, 0, 0) : third == 1 ? qRgb(0, 255, 0) : qRgb(0, 0, 255));
        }
    }
    return image;
}

QByteArray encode(const QImage &image, const char *format, int quality)
{
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    if (!image.save(&buffer, format, quality))
        return {};
    return bytes;
}

quint32 crc32(const QByteArray &data)
{
    quint32 crc = 0xFFFFFFFFu;
    for (char c : data) {
        crc ^= static_cast<quint8>(c);
        for (int k = 0; k < 8; ++k)
            crc = (crc & 1) ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
    }
    return crc ^ 0xFFFFFFFFu;
}

namespace {
QByteArray be32(quint32 value)
{
    QByteArray out(4, '\0');
    qToBigEndian(value, out.data());
    return out;
}
QByteArray le16(quint16 value)
{
    QByteArray out(2, '\0');
    qToLittleEndian(value, out.data());
    return out;
}
QByteArray le32(quint32 value)
{
    QByteArray out(4, '\0');
    qToLittleEndian(value, out.data());
    return out;
}
} // namespace

QByteArray pngChunk(const QByteArray &type, const QByteArray &data)
{
    return be32(quint32(data.size())) + type + data + be32(crc32(type + data));
}

QByteArray bombPng(quint32 width, quint32 height)
{
    // IHDR: width, height, bit depth 8, colour type 2 (RGB), deflate, adaptive filter, no interlace.
    const QByteArray ihdr = be32(width) + be32(height) + QByteArray("\x08\x02\x00\x00\x00", 5);
    // One row of zeros (filter byte + 3 bytes per pixel), zlib-compressed: a few dozen bytes.
    const QByteArray row(1 + qsizetype(width) * 3, '\0');
    const QByteArray zlib = qCompress(row, 9).mid(4); // qCompress prefixes the length
    return QByteArray("\x89PNG\r\n\x1a\n", 8) + pngChunk("IHDR", ihdr) + pngChunk("IDAT", zlib) +
           pngChunk("IEND", {});
}

QByteArray pngWithText(const QByteArray &png, const QByteArray &text)
{
    const qsizetype afterIhdr = 8 + 4 + 4 + 13 + 4;
    return png.left(afterIhdr) + pngChunk("tEXt", QByteArray("Comment") + '\0' + text) +
           png.mid(afterIhdr);
}

QByteArray jpegWithExif(const QByteArray &jpeg, const QByteArray &marker)
{
    // TIFF, little endian: header, one IFD with one entry (ImageDescription, ASCII), the text.
    const QByteArray description = marker + '\0';
    QByteArray tiff = QByteArray("II*\0", 4) + le32(8);
    tiff += le16(1);                                   // one entry
    tiff += le16(0x010E) + le16(2) + le32(quint32(description.size())) + le32(8 + 2 + 12 + 4);
    tiff += le32(0);                                   // no next IFD
    tiff += description;
    const QByteArray exif = QByteArray("Exif\0\0", 6) + tiff;
    QByteArray app1("\xFF\xE1", 2);
    app1 += char((exif.size() + 2) >> 8);
    app1 += char((exif.size() + 2) & 0xFF);
    app1 += exif;
    QByteArray com("\xFF\xFE", 2);
    com += char((marker.size() + 2) >> 8);
    com += char((marker.size() + 2) & 0xFF);
    com += marker;
    return jpeg.left(2) + app1 + com + jpeg.mid(2);
}

QString usersSnapshot(const QSqlDatabase &db)
{
    QSqlQuery query(db);
    if (!query.exec(QStringLiteral("SELECT u::text FROM users u ORDER BY id")))
        return QStringLiteral("query failed");
    QStringList rows;
    while (query.next())
        rows.append(query.value(0).toString());
    return rows.join(QLatin1Char('\n'));
}

QString userColumn(const QSqlDatabase &db, const QString &userId, const QString &column)
{
    QSqlQuery query(db);
    query.prepare(QStringLiteral("SELECT %1::text FROM users WHERE id = ?::uuid").arg(column));
    query.addBindValue(userId);
    return query.exec() && query.next() ? query.value(0).toString() : QStringLiteral("<none>");
}

ChannelListener::ChannelListener(const QString &socketPath, const QString &channel)
{
    m_process.setProcessChannelMode(QProcess::MergedChannels);
    m_process.start(QStringLiteral("redis-cli"),
                    {QStringLiteral("-s"), socketPath, QStringLiteral("SUBSCRIBE"), channel});
}

ChannelListener::~ChannelListener()
{
    m_process.kill();
    m_process.waitForFinished(2000);
}

QByteArray ChannelListener::received()
{
    m_output += m_process.readAll();
    return m_output;
}

bool ChannelListener::waitSubscribed(int timeoutMs)
{
    // redis-cli prints "subscribe", the channel and the count once the server confirmed.
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        if (received().contains("subscribe"))
            return true;
        m_process.waitForReadyRead(100);
    }
    return false;
}

QByteArray ChannelListener::waitFor(const QByteArray &needle, int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (true) {
        for (const QByteArray &line : received().split('\n')) {
            if (line.contains(needle))
                return line.trimmed();
        }
        if (deadline.hasExpired())
            return {};
        m_process.waitForReadyRead(100);
    }
}

} // namespace ProfileFixtures
