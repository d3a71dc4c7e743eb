#include "ServerPage.h"

#include "models/common/Log.h"
#include "server/runtime/ServerController.h"

#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QJsonDocument>
#include <QLabel>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTimer>
#include <QVBoxLayout>

namespace {
QString healthText(const QJsonObject &check)
{
    if (check.isEmpty())
        return QObject::tr("unknown");
    if (check.value(QStringLiteral("status")).toString() == QLatin1String("up"))
        return QObject::tr("up (%1 ms)").arg(check.value(QStringLiteral("latencyMs")).toDouble());
    return QObject::tr("down: %1").arg(check.value(QStringLiteral("error")).toString());
}
} // namespace

ServerPage::ServerPage(ServerController *controller, QWidget *parent)
    : QWidget(parent),
      m_controller(controller),
      m_state(new QLabel),
      m_address(new QLabel),
      m_workers(new QLabel),
      m_dataDir(new QLabel),
      m_databaseMode(new QLabel),
      m_databaseHealth(new QLabel),
      m_redisMode(new QLabel),
      m_redisHealth(new QLabel),
      m_schema(new QLabel),
      m_start(new QPushButton(tr("&Start server"))),
      m_stop(new QPushButton(tr("S&top server"))),
      m_log(new QPlainTextEdit),
      m_network(new QNetworkAccessManager(this)),
      m_pollTimer(new QTimer(this))
{
    for (QLabel *label : {m_address, m_dataDir, m_databaseMode, m_redisMode})
        label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_address->setOpenExternalLinks(true);
    m_address->setTextInteractionFlags(Qt::TextBrowserInteraction);

    auto *serverBox = new QGroupBox(tr("HTTP server"));
    auto *serverForm = new QFormLayout(serverBox);
    serverForm->addRow(tr("State:"), m_state);
    serverForm->addRow(tr("Address:"), m_address);
    serverForm->addRow(tr("Workers:"), m_workers);
    serverForm->addRow(tr("Data directory:"), m_dataDir);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_start);
    buttons->addWidget(m_stop);
    buttons->addStretch();
    serverForm->addRow(buttons);

    auto *servicesBox = new QGroupBox(tr("Services"));
    auto *servicesForm = new QFormLayout(servicesBox);
    servicesForm->addRow(tr("PostgreSQL:"), m_databaseMode);
    servicesForm->addRow(tr("PostgreSQL health:"), m_databaseHealth);
    servicesForm->addRow(tr("Redis:"), m_redisMode);
    servicesForm->addRow(tr("Redis health:"), m_redisHealth);
    servicesForm->addRow(tr("Schema version:"), m_schema);

    m_log->setReadOnly(true);
    m_log->setMaximumBlockCount(5000); // bounded: a busy server must not grow the console
    m_log->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_log->setFont(QFont(QStringLiteral("monospace")));
    auto *logBox = new QGroupBox(tr("Log"));
    (new QVBoxLayout(logBox))->addWidget(m_log);

    auto *top = new QHBoxLayout;
    top->addWidget(serverBox, 1);
    top->addWidget(servicesBox, 1);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(logBox, 1);

    connect(m_start, &QPushButton::clicked, m_controller, &ServerController::start);
    connect(m_stop, &QPushButton::clicked, m_controller, &ServerController::stop);
    connect(m_controller, &ServerController::statusChanged, this, &ServerPage::showStatus);
    connect(Log::Hub::instance(), &Log::Hub::record, this, &ServerPage::appendLog,
            Qt::QueuedConnection);
    m_pollTimer->setInterval(2000);
    connect(m_pollTimer, &QTimer::timeout, this, &ServerPage::pollReadiness);
    m_pollTimer->start();
    showStatus(m_controller->lastStatus());
}

QString ServerPage::stateText() const { return m_state->text(); }
QString ServerPage::databaseText() const { return m_databaseHealth->text(); }
QString ServerPage::redisText() const { return m_redisHealth->text(); }
QString ServerPage::addressText() const { return m_status.url; }

void ServerPage::showStatus(const ServerStatus &status)
{
    m_status = status;
    QString state = ServerStatus::stateName(status.state);
    state[0] = state[0].toUpper();
    if (!status.message.isEmpty())
        state += QStringLiteral(" — ") + status.message;
    m_state->setText(state);
    m_state->setStyleSheet(status.state == ServerStatus::State::Failed
                               ? QStringLiteral("color: #b00020; font-weight: bold")
                               : QString());
    m_address->setText(status.url.isEmpty()
                           ? tr("not listening")
                           : QStringLiteral("<a href=\"%1/readyz\">%1</a>").arg(status.url.toHtmlEscaped()));
    m_workers->setText(QString::number(status.workers));
    m_dataDir->setText(status.dataDir);
    m_databaseMode->setText(status.database);
    m_redisMode->setText(status.redis);
    m_schema->setText(status.schemaVersion > 0 ? QString::number(status.schemaVersion) : tr("—"));
    const bool busy = status.state == ServerStatus::State::Starting ||
                      status.state == ServerStatus::State::Stopping;
    const bool running = status.state == ServerStatus::State::Running;
    m_start->setEnabled(!busy && !running);
    m_stop->setEnabled(running);
    if (running)
        pollReadiness();
    else if (!busy) {
        m_databaseHealth->setText(tr("unknown (server stopped)"));
        m_redisHealth->setText(tr("unknown (server stopped)"));
    }
}

void ServerPage::pollReadiness()
{
    if (m_status.state != ServerStatus::State::Running || m_status.url.isEmpty() || m_pollInFlight)
        return;
    m_pollInFlight = true;
    QNetworkRequest request(QUrl(m_status.url + QStringLiteral("/readyz")));
    request.setTransferTimeout(5000);
    QNetworkReply *reply = m_network->get(request);
    connect(reply, &QNetworkReply::finished, this, [this, reply] {
        reply->deleteLater();
        m_pollInFlight = false;
        const QJsonObject body = QJsonDocument::fromJson(reply->readAll()).object();
        if (body.isEmpty()) {
            showChecks({}, reply->errorString());
            return;
        }
        showChecks(body.value(QStringLiteral("checks")).toObject(),
                   body.value(QStringLiteral("error")).toObject().value(QStringLiteral("message")).toString());
    });
}

void ServerPage::showChecks(const QJsonObject &checks, const QString &error)
{
    if (checks.isEmpty()) {
        m_databaseHealth->setText(tr("unknown: %1").arg(error));
        m_redisHealth->setText(tr("unknown: %1").arg(error));
        emit healthChanged(false);
        return;
    }
    m_databaseHealth->setText(healthText(checks.value(QStringLiteral("postgres")).toObject()));
    m_redisHealth->setText(healthText(checks.value(QStringLiteral("redis")).toObject()));
    emit healthChanged(error.isEmpty());
}

void ServerPage::appendLog(int level, const QString &line)
{
    Q_UNUSED(level);
    m_log->appendPlainText(line);
}
