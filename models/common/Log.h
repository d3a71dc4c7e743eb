#pragma once

#include <QJsonObject>
#include <QObject>
#include <QString>

#include <functional>

// Structured logging: an event name plus fields, written as one line to stderr, either as
// "text" (human: `2026-11-26T10:00:00.000Z info http.request status=200 …`) or as JSON lines.
// Never pass a secret, token or one-time code as a field: nothing here can tell them apart.
namespace Log {

enum class Level { Debug, Info, Warning, Error };
enum class Format { Text, Json };

void setFormat(Format format);
void setMinimumLevel(Level level);
Level minimumLevel();
QString levelName(Level level);

void write(Level level, const QString &event, const QJsonObject &fields = {});
inline void debug(const QString &event, const QJsonObject &fields = {}) { write(Level::Debug, event, fields); }
inline void info(const QString &event, const QJsonObject &fields = {}) { write(Level::Info, event, fields); }
inline void warning(const QString &event, const QJsonObject &fields = {}) { write(Level::Warning, event, fields); }
inline void error(const QString &event, const QJsonObject &fields = {}) { write(Level::Error, event, fields); }

// Renders one record in the current format without a trailing newline (used by sinks/tests).
QString format(Level level, const QString &event, const QJsonObject &fields);

// Every record also goes to the hub, so the console can show a live log. The signal is emitted
// from whichever thread logged; connect with a queued connection from the GUI.
class Hub : public QObject
{
    Q_OBJECT
public:
    static Hub *instance();
signals:
    void record(int level, const QString &line);
};

} // namespace Log
