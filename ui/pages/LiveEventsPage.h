#pragma once

#include <QPointer>
#include <QWidget>

class ConsoleConnection;
class LiveEventsFilter;
class LiveEventsModel;
class QCheckBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableView;
class RedisSubscriber;

// Live events: the four channels of API.md (user:created, user:updated, session:created,
// session:revoked) on the console's own pub/sub connection (a subscribed Redis connection takes
// nothing else), into a batched, capped table (LiveEventsModel) with pause, filters, clear and
// a JSON-lines export of what is shown. It follows the console connection: subscribes when it
// opens, lets go when it closes, and RedisSubscriber reconnects by itself in between.
class LiveEventsPage : public QWidget
{
    Q_OBJECT
public:
    static const QList<QByteArray> &channels();

    explicit LiveEventsPage(ConsoleConnection *connection, QWidget *parent = nullptr);
    ~LiveEventsPage() override;

    void focusFilter();      // Ctrl+F
    void setPaused(bool paused);
    void clear();
    // Writes the visible rows to `path` as JSON lines; false with `error` set on failure.
    bool exportTo(const QString &path, QString *error);
    // Attaches to a Redis URL directly (the console does this through the connection).
    void listen(const QString &redisUrl);
    void stopListening();

    // For tests and the benchmark.
    LiveEventsModel *model() const { return m_model; }
    LiveEventsFilter *filter() const { return m_filter; }
    QTableView *view() const { return m_view; }
    QLineEdit *userFilter() const { return m_user; }
    QString connectionText() const;
    bool isSubscribed() const;

signals:
    void userRequested(const QString &userId);
    void sessionRequested(const QString &sessionId);

private:
    void showConnection(const QString &text, bool ok);
    void applyTypeFilter();
    void exportWithDialog();
    void openRow(const QModelIndex &index);
    void updateCounts();

    ConsoleConnection *m_connection;
    LiveEventsModel *m_model;
    LiveEventsFilter *m_filter;
    QPointer<RedisSubscriber> m_subscriber;
    QTableView *m_view;
    QLabel *m_state;
    QLabel *m_counts;
    QLineEdit *m_user;
    QList<QCheckBox *> m_typeBoxes;
    QPushButton *m_pause;
    QPushButton *m_clear;
    QPushButton *m_export;
    QCheckBox *m_follow;
};
