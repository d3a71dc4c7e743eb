#pragma once

#include "server/runtime/ServerStatus.h"

#include <QJsonObject>
#include <QWidget>

class QLabel;
class QNetworkAccessManager;
class QPlainTextEdit;
class QPushButton;
class QTimer;
class ServerController;

// The Server page: where the embedded server listens, whether it runs, how PostgreSQL and
// Redis are doing (read from the server's own /readyz, so it shows what clients see), the
// live log, and Start/Stop.
class ServerPage : public QWidget
{
    Q_OBJECT
public:
    explicit ServerPage(ServerController *controller, QWidget *parent = nullptr);

    // For tests and the status bar.
    QString stateText() const;
    QString databaseText() const;
    QString redisText() const;
    QString addressText() const;
    QPushButton *startButton() const { return m_start; }
    QPushButton *stopButton() const { return m_stop; }

signals:
    void healthChanged(bool ready);

private:
    void showStatus(const ServerStatus &status);
    void pollReadiness();
    void showChecks(const QJsonObject &checks, const QString &error);
    void appendLog(int level, const QString &line);

    ServerController *m_controller;
    ServerStatus m_status;
    QLabel *m_state;
    QLabel *m_address;
    QLabel *m_workers;
    QLabel *m_dataDir;
    QLabel *m_databaseMode;
    QLabel *m_databaseHealth;
    QLabel *m_redisMode;
    QLabel *m_redisHealth;
    QLabel *m_schema;
    QPushButton *m_start;
    QPushButton *m_stop;
    QPlainTextEdit *m_log;
    QNetworkAccessManager *m_network;
    QTimer *m_pollTimer;
    bool m_pollInFlight = false;
};
