#include "Log.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>

#include <atomic>
#include <cstdio>
#include <mutex>

namespace Log {
namespace {
std::atomic<Format> g_format{Format::Text};
std::atomic<Level> g_minimum{Level::Info};
std::mutex g_writeMutex;

QString textValue(const QJsonValue &value)
{
    if (value.isString()) {
        const QString s = value.toString();
        // Quote only when needed so lines stay grep-friendly.
        if (s.isEmpty() || s.contains(QLatin1Char(' ')) || s.contains(QLatin1Char('=')) ||
            s.contains(QLatin1Char('"')))
            return QString::fromUtf8(QJsonDocument(QJsonArray{s}).toJson(QJsonDocument::Compact))
                .mid(1)
                .chopped(1);
        return s;
    }
    if (value.isDouble()) {
        const double d = value.toDouble();
        if (d == static_cast<double>(static_cast<qint64>(d)))
            return QString::number(static_cast<qint64>(d));
        return QString::number(d);
    }
    if (value.isBool())
        return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    if (value.isNull() || value.isUndefined())
        return QStringLiteral("null");
    if (value.isArray())
        return QString::fromUtf8(QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact));
    return QString::fromUtf8(QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact));
}
} // namespace

void setFormat(Format format) { g_format = format; }
void setMinimumLevel(Level level) { g_minimum = level; }
Level minimumLevel() { return g_minimum; }

QString levelName(Level level)
{
    switch (level) {
    case Level::Debug: return QStringLiteral("debug");
    case Level::Info: return QStringLiteral("info");
    case Level::Warning: return QStringLiteral("warning");
    case Level::Error: return QStringLiteral("error");
    }
    return QStringLiteral("info");
}

QString format(Level level, const QString &event, const QJsonObject &fields)
{
    const QString time =
        QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
    if (g_format == Format::Json) {
        QJsonObject record = fields;
        record.insert(QStringLiteral("time"), time);
        record.insert(QStringLiteral("level"), levelName(level));
        record.insert(QStringLiteral("event"), event);
        return QString::fromUtf8(QJsonDocument(record).toJson(QJsonDocument::Compact));
    }
    QString line = time + QLatin1Char(' ') + levelName(level) + QLatin1Char(' ') + event;
    for (auto it = fields.begin(); it != fields.end(); ++it)
        line += QLatin1Char(' ') + it.key() + QLatin1Char('=') + textValue(it.value());
    return line;
}

void write(Level level, const QString &event, const QJsonObject &fields)
{
    if (level < g_minimum)
        return;
    const QString line = format(level, event, fields);
    {
        const QByteArray bytes = line.toUtf8() + '\n';
        std::lock_guard lock(g_writeMutex);
        std::fwrite(bytes.constData(), 1, static_cast<size_t>(bytes.size()), stderr);
        std::fflush(stderr);
    }
    emit Hub::instance()->record(static_cast<int>(level), line);
}

Hub *Hub::instance()
{
    static Hub hub;
    return &hub;
}

} // namespace Log
