#pragma once

#include <QAbstractTableModel>
#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonObject>
#include <QSet>
#include <QSortFilterProxyModel>
#include <QTimer>

#include <deque>
#include <vector>

// One live event as published on the Redis channels of API.md (user:created, user:updated,
// session:created, session:revoked): {"type","userId","sessionId"?,"at","by"?,"reason"?,
// "instance"}. Only these fields are kept (not the raw JSON) so 50,000 rows stay small.
struct LiveEvent
{
    QDateTime at;        // "at", or the time it was received when the publisher sent none
    QString type;        // the channel when the payload names none
    QString userId;
    QString sessionId;
    QString instance;
    QString by;
    QString reason;

    // Parses a message; a payload that is not a JSON object still becomes a row (type = the
    // channel, details = why), so a misbehaving publisher is visible rather than silent.
    static LiveEvent fromMessage(const QByteArray &channel, const QByteArray &payload,
                                 const QDateTime &receivedAt);
    QJsonObject toJson() const; // the published shape again, for the JSON-lines export
    QString details() const;    // "by admin:console · reason: …"
};

// The live table of the console. Built for bursts: append() only queues, and a timer flushes
// the queue every flushIntervalMs with one beginInsertRows/endInsertRows (and at most one
// beginRemoveRows for the oldest rows beyond the capacity), so a view repaints ten times a
// second however many events arrive. Rows are oldest first; the buffer is a ring of at most
// `capacity` rows. While paused, events keep being queued (also bounded by the capacity) and
// appear on resume.
class LiveEventsModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { Time, Type, User, Session, Instance, Details, ColumnCount };
    enum Role { EventTypeRole = Qt::UserRole + 1, UserIdRole, SessionIdRole };

    static constexpr int kDefaultCapacity = 50000;
    static constexpr int kDefaultFlushIntervalMs = 100;

    explicit LiveEventsModel(QObject *parent = nullptr, int capacity = kDefaultCapacity,
                             int flushIntervalMs = kDefaultFlushIntervalMs);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    const LiveEvent &event(int row) const { return m_rows[size_t(row)]; }
    int capacity() const { return m_capacity; }

    void append(LiveEvent event);
    void setPaused(bool paused);
    bool isPaused() const { return m_paused; }
    int pendingCount() const { return int(m_pending.size()); }
    void clear(); // rows and the queue
    void flush(); // now, instead of at the next tick (tests, resume)

    // Totals since start (or clear()), for the status line and the benchmark.
    qint64 receivedCount() const { return m_received; }
    qint64 droppedCount() const { return m_dropped; } // overwritten before anyone saw them
    qint64 flushCount() const { return m_flushes; }

signals:
    void flushed(int inserted); // after each flush that inserted rows

private:
    std::deque<LiveEvent> m_rows;
    std::vector<LiveEvent> m_pending;
    QTimer m_flushTimer;
    int m_capacity;
    bool m_paused = false;
    qint64 m_received = 0;
    qint64 m_dropped = 0;
    qint64 m_flushes = 0;
};

// Filters the live table by event type (a set; empty = all) and by user (a substring of the
// user id, case-insensitive). The view shows this; the export writes exactly its rows.
class LiveEventsFilter : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;

    void setTypes(const QSet<QString> &types);
    void setUser(const QString &user);
    QSet<QString> types() const { return m_types; }
    QString user() const { return m_user; }

    // The visible rows as JSON lines (one object per line, oldest first).
    QByteArray toJsonLines() const;

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    QSet<QString> m_types;
    QString m_user;
};
