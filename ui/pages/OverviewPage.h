#pragma once

#include "models/common/Clock.h"
#include "models/console/OverviewStats.h"

#include <QFutureWatcher>
#include <QWidget>

class ConsoleConnection;
class QChart;
class QChartView;
class QComboBox;
class QLabel;
class QProgressBar;
class QTimer;

// Overview: users, active sessions, sign-ins today, failed sign-ins today, and charts (sign-ins
// per hour for the last 24 h or 7 days, active sessions by country and by browser). The SQL
// runs off the GUI thread on its own connection (OverviewStats::load through QtConcurrent);
// failed sign-ins are one MGET on the console's async Redis client. Refreshes when shown, on
// F5 and every minute while visible.
class OverviewPage : public QWidget
{
    Q_OBJECT
public:
    explicit OverviewPage(ConsoleConnection *connection, QWidget *parent = nullptr,
                          Clock clock = systemClock());
    ~OverviewPage() override;

    void refresh();
    bool isLoading() const { return m_watcher.isRunning() || m_failuresPending; }

    // For tests: the figures as shown ("—" before the first load).
    QString usersText() const;
    QString activeSessionsText() const;
    QString signInsTodayText() const;
    QString failedSignInsText() const;
    QString errorText() const;
    const OverviewStats &stats() const { return m_stats; }

signals:
    void refreshed(); // after the database figures arrived (or failed)

protected:
    void showEvent(QShowEvent *event) override;

private:
    void showStats(const Result<OverviewStats> &result);
    void loadFailures(const QDateTime &now);
    void drawSignIns();
    void updateBusy();

    ConsoleConnection *m_connection;
    Clock m_clock;
    OverviewStats m_stats;
    QFutureWatcher<Result<OverviewStats>> m_watcher;
    bool m_failuresPending = false;
    bool m_refreshAgain = false;
    QLabel *m_users;
    QLabel *m_active;
    QLabel *m_today;
    QLabel *m_failed;
    QLabel *m_updated;
    QLabel *m_error;
    QProgressBar *m_busy;
    QComboBox *m_range;
    QChartView *m_signInView;
    QChartView *m_countryView;
    QChartView *m_browserView;
    QTimer *m_autoRefresh;
};
