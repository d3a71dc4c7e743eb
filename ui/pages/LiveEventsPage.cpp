#include "LiveEventsPage.h"

#include "models/console/LiveEventsModel.h"
#include "server/redis/RedisSubscriber.h"
#include "ui/ConsoleConnection.h"

#include <QCheckBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSaveFile>
#include <QScrollBar>
#include <QTableView>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

const QList<QByteArray> &LiveEventsPage::channels()
{
    static const QList<QByteArray> list = {"user:created", "user:updated", "session:created",
                                           "session:revoked"};
    return list;
}

LiveEventsPage::LiveEventsPage(ConsoleConnection *connection, QWidget *parent)
    : QWidget(parent),
      m_connection(connection),
      m_model(new LiveEventsModel(this)),
      m_filter(new LiveEventsFilter(this)),
      m_view(new QTableView),
      m_state(new QLabel),
      m_counts(new QLabel),
      m_user(new QLineEdit),
      m_pause(new QPushButton(tr("&Pause"))),
      m_clear(new QPushButton(tr("C&lear"))),
      m_export(new QPushButton(tr("E&xport…"))),
      m_follow(new QCheckBox(tr("Follow &newest")))
{
    m_filter->setSourceModel(m_model);
    m_view->setObjectName(u"liveEventsTable"_s);
    m_view->setModel(m_filter);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setWordWrap(false);
    m_view->setAlternatingRowColors(true);
    // Fixed row heights and interactive columns: nothing is measured per row, which is what
    // keeps 50,000 rows and ten inserts a second cheap.
    m_view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 6);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_view->horizontalHeader()->setStretchLastSection(true);
    const int charWidth = m_view->fontMetrics().horizontalAdvance(u'0');
    m_view->setColumnWidth(LiveEventsModel::Time, charWidth * 14);
    m_view->setColumnWidth(LiveEventsModel::Type, charWidth * 16);
    m_view->setColumnWidth(LiveEventsModel::User, charWidth * 33);
    m_view->setColumnWidth(LiveEventsModel::Session, charWidth * 16);
    m_view->setColumnWidth(LiveEventsModel::Instance, charWidth * 14);
    m_view->setTextElideMode(Qt::ElideMiddle); // ids: both ends tell them apart

    m_user->setObjectName(u"filter"_s);
    m_user->setPlaceholderText(tr("Filter by user id…"));
    m_user->setClearButtonEnabled(true);
    m_pause->setCheckable(true);
    m_follow->setChecked(true);
    m_follow->setToolTip(tr("Keep the newest event in view"));

    auto *filters = new QHBoxLayout;
    filters->addWidget(new QLabel(tr("Types:")));
    for (const QByteArray &channel : channels()) {
        auto *box = new QCheckBox(QString::fromLatin1(channel));
        box->setChecked(true);
        connect(box, &QCheckBox::toggled, this, &LiveEventsPage::applyTypeFilter);
        m_typeBoxes.append(box);
        filters->addWidget(box);
    }
    filters->addSpacing(12);
    filters->addWidget(m_user, 1);

    auto *actions = new QHBoxLayout;
    actions->addWidget(m_state);
    actions->addStretch();
    actions->addWidget(m_counts);
    actions->addWidget(m_follow);
    actions->addWidget(m_pause);
    actions->addWidget(m_clear);
    actions->addWidget(m_export);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(filters);
    layout->addWidget(m_view, 1);
    layout->addLayout(actions);

    connect(m_user, &QLineEdit::textChanged, m_filter, &LiveEventsFilter::setUser);
    connect(m_pause, &QPushButton::toggled, this, &LiveEventsPage::setPaused);
    connect(m_clear, &QPushButton::clicked, this, &LiveEventsPage::clear);
    connect(m_export, &QPushButton::clicked, this, &LiveEventsPage::exportWithDialog);
    connect(m_view, &QTableView::doubleClicked, this, &LiveEventsPage::openRow);
    connect(m_model, &LiveEventsModel::flushed, this, [this] {
        if (m_follow->isChecked())
            m_view->scrollToBottom();
        updateCounts();
    });

    if (m_connection) {
        connect(m_connection, &ConsoleConnection::opened, this,
                [this] { listen(m_connection->redisUrl()); });
        connect(m_connection, &ConsoleConnection::closed, this, &LiveEventsPage::stopListening);
        if (m_connection->isOpen())
            listen(m_connection->redisUrl());
    }
    if (!m_subscriber)
        showConnection(tr("Not connected: the console has no database/Redis connection yet"), false);
    updateCounts();
}

LiveEventsPage::~LiveEventsPage() = default;

void LiveEventsPage::listen(const QString &redisUrl)
{
    stopListening();
    auto endpoint = RedisEndpoint::fromUrl(redisUrl);
    if (!endpoint) {
        showConnection(tr("Cannot subscribe: %1").arg(endpoint.error().message), false);
        return;
    }
    m_subscriber = new RedisSubscriber(*endpoint, this);
    const QString where = endpoint->describe();
    connect(m_subscriber, &RedisSubscriber::message, this,
            [this](const QByteArray &channel, const QByteArray &payload) {
                m_model->append(LiveEvent::fromMessage(channel, payload,
                                                       QDateTime::currentDateTimeUtc()));
            });
    connect(m_subscriber, &RedisSubscriber::subscribed, this, [this, where] {
        if (isSubscribed())
            showConnection(tr("Listening on %1").arg(where), true);
    });
    connect(m_subscriber, &RedisSubscriber::disconnected, this, [this, where](const QString &why) {
        // Pub/sub forgets: whatever was published until the reconnect is not in the table.
        showConnection(tr("Disconnected from %1 (%2) — reconnecting…").arg(where, why), false);
    });
    for (const QByteArray &channel : channels())
        m_subscriber->subscribe(channel);
    showConnection(tr("Connecting to %1…").arg(where), false);
    m_subscriber->start();
}

void LiveEventsPage::stopListening()
{
    if (m_subscriber) {
        m_subscriber->disconnect(this);
        m_subscriber->deleteLater();
        m_subscriber = nullptr;
    }
    showConnection(tr("Not connected"), false);
}

bool LiveEventsPage::isSubscribed() const
{
    if (!m_subscriber || !m_subscriber->isConnected())
        return false;
    for (const QByteArray &channel : channels()) {
        if (!m_subscriber->isSubscribed(channel))
            return false;
    }
    return true;
}

QString LiveEventsPage::connectionText() const { return m_state->text(); }

void LiveEventsPage::showConnection(const QString &text, bool ok)
{
    m_state->setText(text);
    m_state->setStyleSheet(ok ? QString() : u"color: #b00020"_s);
}

void LiveEventsPage::focusFilter()
{
    m_user->setFocus(Qt::ShortcutFocusReason);
    m_user->selectAll();
}

void LiveEventsPage::setPaused(bool paused)
{
    m_model->setPaused(paused);
    if (m_pause->isChecked() != paused)
        m_pause->setChecked(paused);
    m_pause->setText(paused ? tr("&Resume") : tr("&Pause"));
    updateCounts();
}

void LiveEventsPage::clear()
{
    m_model->clear();
    updateCounts();
}

void LiveEventsPage::applyTypeFilter()
{
    QSet<QString> types;
    bool all = true;
    for (QCheckBox *box : std::as_const(m_typeBoxes)) {
        if (box->isChecked())
            types.insert(box->text());
        else
            all = false;
    }
    // Everything ticked means no type filter, so an event of a future type still shows. None
    // ticked shows nothing: a set no event type is in.
    if (all)
        types.clear();
    else if (types.isEmpty())
        types.insert(QString());
    m_filter->setTypes(types);
    updateCounts();
}

void LiveEventsPage::updateCounts()
{
    QString text = tr("%1 shown · %2 received").arg(m_filter->rowCount()).arg(m_model->receivedCount());
    if (m_model->isPaused())
        text += tr(" · paused, %1 waiting").arg(m_model->pendingCount());
    m_counts->setText(text);
}

bool LiveEventsPage::exportTo(const QString &path, QString *error)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(m_filter->toJsonLines()) < 0 ||
        !file.commit()) {
        if (error)
            *error = file.errorString();
        return false;
    }
    return true;
}

void LiveEventsPage::exportWithDialog()
{
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export events"),
        u"gatehouse-events-"_s + QDateTime::currentDateTime().toString(u"yyyyMMdd-HHmmss"_s) + u".jsonl"_s,
        tr("JSON lines (*.jsonl *.json);;All files (*)"));
    if (path.isEmpty())
        return;
    QString error;
    if (!exportTo(path, &error))
        QMessageBox::critical(this, tr("Export events"),
                              tr("Could not write the events to %1: %2").arg(path, error));
}

void LiveEventsPage::openRow(const QModelIndex &index)
{
    const QString session = index.data(LiveEventsModel::SessionIdRole).toString();
    const QString user = index.data(LiveEventsModel::UserIdRole).toString();
    // The session column opens the session; everything else the user, unless there is none.
    if (!session.isEmpty() && (index.column() == LiveEventsModel::Session || user.isEmpty()))
        emit sessionRequested(session);
    else if (!user.isEmpty())
        emit userRequested(user);
}
