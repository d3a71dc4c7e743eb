#pragma once

#include <QByteArray>
#include <QImage>
#include <QProcess>
#include <QSqlDatabase>
#include <QString>

// Images and event listening for the profile and avatar tests. The images are made here with
// QImage and by hand (chunk by chunk, segment by segment), never with the server's own code.
namespace ProfileFixtures {

// A w×h image: left third red, middle third green, right third blue (so a centre crop of a wide
// image is all green), encoded as `format` ("PNG", "JPEG", "WEBP").
QImage bands(int width, int height);
QByteArray encode(const QImage &image, const char *format, int quality = 90);

// CRC-32 (ISO 3309, as PNG uses it).
quint32 crc32(const QByteArray &data);
// One PNG chunk: length, type, data, CRC.
QByteArray pngChunk(const QByteArray &type, const QByteArray &data);
// A tiny PNG whose header declares width×height RGB pixels (a decompression bomb: the one
// compressed row it carries would be inflated to the whole image by a naive decoder).
QByteArray bombPng(quint32 width, quint32 height);
// `png` with a tEXt chunk holding `text` inserted right after IHDR.
QByteArray pngWithText(const QByteArray &png, const QByteArray &text);
// `jpeg` with an APP1 EXIF segment (a valid little-endian TIFF with an ImageDescription holding
// `marker`) and a COM segment with `marker`, inserted right after SOI.
QByteArray jpegWithExif(const QByteArray &jpeg, const QByteArray &marker);

// Every column of every user as text, ordered by id: equal snapshots = nothing was written.
QString usersSnapshot(const QSqlDatabase &db);
// One column of one user as text (empty for NULL, "<none>" without such a user).
QString userColumn(const QSqlDatabase &db, const QString &userId, const QString &column);

// `redis-cli SUBSCRIBE channel` on a unix socket, collecting what arrives.
class ChannelListener
{
public:
    ChannelListener(const QString &socketPath, const QString &channel);
    ~ChannelListener();
    bool waitSubscribed(int timeoutMs = 5000);
    // Waits until a message containing `needle` arrived; returns that message (empty: timeout).
    QByteArray waitFor(const QByteArray &needle, int timeoutMs = 5000);
    QByteArray received(); // everything so far

private:
    QProcess m_process;
    QByteArray m_output;
};

} // namespace ProfileFixtures
