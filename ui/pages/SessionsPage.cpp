#include "SessionsPage.h"

#include "TablePageKit.h"
#include "models/console/ConsoleTableModels.h"
#include "server/admin/AdminService.h"
#include "ui/ConsoleConnection.h"

#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QProgressDialog>
#include <QPushButton>
#include <QShortcut>
#include <QSplitter>
#include <QTableView>
#include <QTextBrowser>
#include <QTimer>
#include <QVBoxLayout>

namespace {
// "Created within" / "Active within": the ranges an administrator asks for most.
const QList<QPair<QString, qint64>> kRanges = {
    {QObject::tr("any time"), 0},         {QObject::tr("last hour"), 3600},
    {QObject::tr("last 24 hours"), 86400}, {QObject::tr("last 7 days"), 7 * 86400},
    {QObject::tr("last 30 days"), 30 * 86400}, {QObject::tr("older than 30 days"), -30 * 86400},
};

QComboBox *rangeBox()
{
    auto *box = new QComboBox;
    for (const auto &[title, seconds] : kRanges)
        box->addItem(title, seconds);
    return box;
}

void applyRange(const QComboBox *box, QDateTime *from, QDateTime *to)
{
    const qint64 seconds = box->currentData().toLongLong();
    const QDateTime now = QDateTime::currentDateTimeUtc();
    *from = seconds > 0 ? now.addSecs(-seconds) : QDateTime();
    *to = seconds < 0 ? now.addSecs(seconds) : QDateTime();
}

QString escaped(const QVariant &v)
{
    return v.toString().toHtmlEscaped();
}
} // namespace

class SessionsPageImpl : public QObject
{
public:
    SessionsPageImpl(SessionsPage *page, ConsoleConnection *connection);

    void applyFilterBar();
    void showFilterInBar(const SessionFilter &f);
    void updateDetails();
    QStringList selectedIds() const;
    void revokeInteractive();
    void bulkInteractive();

    SessionsPage *q;
    ConsoleConnection *connection;
    SessionsTableModel *model;
    QTableView *table;
    QLineEdit *user = new QLineEdit;
    QComboBox *status = new QComboBox;
    QLineEdit *ip = new QLineEdit;
    QLineEdit *country = new QLineEdit;
    QComboBox *browser = new QComboBox;
    QComboBox *os = new QComboBox;
    QComboBox *device = new QComboBox;
    QComboBox *created = rangeBox();
    QComboBox *activity = rangeBox();
    QLabel *count = new QLabel;
    QTextBrowser *details = new QTextBrowser;
    QPushButton *revokeButton = new QPushButton(QObject::tr("Revoke selected…"));
    QPushButton *bulkButton = new QPushButton(QObject::tr("Revoke all matching…"));
    QTimer debounce;
    bool settingFilter = false;
};

SessionsPageImpl::SessionsPageImpl(SessionsPage *page, ConsoleConnection *c)
    : q(page),
      connection(c),
      model(new SessionsTableModel([c] { return c->database(); }, page))
{
    table = TablePageKit::makeTable(model, QStringLiteral("sessions"), page);
    user->setPlaceholderText(QObject::tr("user email or id"));
    ip->setPlaceholderText(QObject::tr("IP or CIDR, e.g. 10.0.0.0/8"));
    country->setPlaceholderText(QObject::tr("country code"));
    country->setMaxLength(100);
    status->addItem(QObject::tr("any status"), QString());
    for (const char *s : {"active", "revoked", "expired"})
        status->addItem(QString::fromLatin1(s), QString::fromLatin1(s));
    // Exact values (so an index serves them); common ones offered, any other may be typed.
    const QList<QPair<QComboBox *, QStringList>> choices = {
        {browser, {QStringLiteral("Chrome"), QStringLiteral("Firefox"), QStringLiteral("Safari"),
                   QStringLiteral("Edge"), QStringLiteral("Mobile Safari"), QStringLiteral("Chrome Mobile"),
                   QStringLiteral("Samsung Internet")}},
        {os, {QStringLiteral("Windows"), QStringLiteral("Mac OS X"), QStringLiteral("Linux"),
              QStringLiteral("iOS"), QStringLiteral("Android")}},
        {device, {QStringLiteral("Other"), QStringLiteral("Mac"), QStringLiteral("iPhone"), QStringLiteral("iPad")}},
    };
    for (const auto &[box, values] : choices) {
        box->setEditable(true);
        box->addItem(QString());
        box->addItems(values);
        box->lineEdit()->setPlaceholderText(box == browser ? QObject::tr("browser")
                                            : box == os    ? QObject::tr("OS")
                                                           : QObject::tr("device"));
    }

    auto *bar = new QHBoxLayout;
    for (QWidget *w : std::initializer_list<QWidget *>{user, status, ip, country, browser, os, device})
        bar->addWidget(w);
    auto *bar2 = new QHBoxLayout;
    bar2->addWidget(new QLabel(QObject::tr("Created:")));
    bar2->addWidget(created);
    bar2->addWidget(new QLabel(QObject::tr("Last activity:")));
    bar2->addWidget(activity);
    bar2->addStretch();
    bar2->addWidget(count);
    bar2->addWidget(revokeButton);
    bar2->addWidget(bulkButton);

    auto *splitter = new QSplitter(Qt::Vertical);
    splitter->addWidget(table);
    splitter->addWidget(details);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 1);
    auto *layout = new QVBoxLayout(page);
    layout->addLayout(bar);
    layout->addLayout(bar2);
    layout->addWidget(splitter);
    details->setOpenLinks(false);
    details->setPlaceholderText(QObject::tr("Select a session to see its details."));

    TablePageKit::bindCount(model, count, QObject::tr("sessions"));
    connect(model, &KeysetTableModel::failed, this, [this](const QString &message) {
        TablePageKit::showError(q, QObject::tr("Could not load the sessions."),
                                makeError(QStringLiteral("QUERY_FAILED"), message));
    });

    debounce.setSingleShot(true);
    debounce.setInterval(300);
    connect(&debounce, &QTimer::timeout, this, &SessionsPageImpl::applyFilterBar);
    auto later = [this] {
        if (!settingFilter)
            debounce.start();
    };
    auto now = [this] {
        if (!settingFilter)
            applyFilterBar();
    };
    for (QLineEdit *edit : {user, ip, country}) {
        connect(edit, &QLineEdit::textEdited, this, later);
        connect(edit, &QLineEdit::returnPressed, this, now);
    }
    for (QComboBox *box : {browser, os, device})
        connect(box, &QComboBox::currentTextChanged, this, later);
    for (QComboBox *box : {status, created, activity})
        connect(box, &QComboBox::currentIndexChanged, this, now);

    connect(table->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &SessionsPageImpl::updateDetails);
    connect(model, &QAbstractItemModel::modelReset, this, &SessionsPageImpl::updateDetails);
    connect(details, &QTextBrowser::anchorClicked, this, [this](const QUrl &url) {
        if (url.scheme() == QLatin1String("user"))
            emit q->userRequested(url.path());
    });
    connect(revokeButton, &QPushButton::clicked, this, &SessionsPageImpl::revokeInteractive);
    connect(bulkButton, &QPushButton::clicked, this, &SessionsPageImpl::bulkInteractive);
    auto *del = new QShortcut(QKeySequence::Delete, table);
    del->setContext(Qt::WidgetWithChildrenShortcut);
    connect(del, &QShortcut::activated, this, &SessionsPageImpl::revokeInteractive);
    auto *find = new QShortcut(QKeySequence::Find, page);
    find->setContext(Qt::WidgetWithChildrenShortcut);
    connect(find, &QShortcut::activated, user, [this] {
        user->setFocus();
        user->selectAll();
    });
    auto *f5 = new QShortcut(QKeySequence::Refresh, page);
    f5->setContext(Qt::WidgetWithChildrenShortcut);
    connect(f5, &QShortcut::activated, q, &SessionsPage::refresh);
}

void SessionsPageImpl::applyFilterBar()
{
    debounce.stop();
    SessionFilter f;
    f.user = user->text().trimmed();
    f.status = status->currentData().toString();
    f.ip = ip->text().trimmed();
    if (!f.ip.isEmpty() && !ConsoleSql::looksLikeIpFilter(f.ip)) {
        ip->setStyleSheet(QStringLiteral("color: #b00020"));
        ip->setToolTip(QObject::tr("Not an IP address or CIDR block"));
        return;
    }
    ip->setStyleSheet({});
    ip->setToolTip({});
    f.country = country->text().trimmed().toUpper();
    f.browser = browser->currentText().trimmed();
    f.os = os->currentText().trimmed();
    f.device = device->currentText().trimmed();
    applyRange(created, &f.createdFrom, &f.createdTo);
    applyRange(activity, &f.activityFrom, &f.activityTo);
    if (!connection->isOpen())
        return;
    TablePageKit::BusyCursor busy;
    model->setFilter(f);
}

void SessionsPageImpl::showFilterInBar(const SessionFilter &f)
{
    settingFilter = true;
    user->setText(f.user);
    status->setCurrentIndex(qMax(0, status->findData(f.status)));
    ip->setText(f.ip);
    country->setText(f.country);
    browser->setCurrentText(f.browser);
    os->setCurrentText(f.os);
    device->setCurrentText(f.device);
    created->setCurrentIndex(0);
    activity->setCurrentIndex(0);
    settingFilter = false;
}

QStringList SessionsPageImpl::selectedIds() const
{
    QStringList ids;
    for (const QModelIndex &index : table->selectionModel()->selectedRows())
        ids.append(model->idAt(index.row()));
    return ids;
}

void SessionsPageImpl::updateDetails()
{
    const QModelIndexList rows = table->selectionModel()->selectedRows();
    revokeButton->setEnabled(!rows.isEmpty());
    if (rows.size() != 1) {
        details->setHtml(rows.isEmpty() ? QString()
                                        : QObject::tr("<p>%1 sessions selected.</p>").arg(rows.size()));
        return;
    }
    const int row = rows.first().row();
    auto cell = [this, row](int column) { return model->index(row, column).data(); };
    using M = SessionsTableModel;
    QString html = QStringLiteral("<h3>Session</h3><table>");
    auto line = [&html](const QString &label, const QString &value) {
        html += QStringLiteral("<tr><td><b>%1</b></td><td>%2</td></tr>").arg(label, value);
    };
    line(QObject::tr("Id"), model->idAt(row).toHtmlEscaped());
    line(QObject::tr("User"), QStringLiteral("<a href=\"user:%1\">%2</a>")
                                  .arg(escaped(cell(M::UserId)), escaped(cell(M::User))));
    line(QObject::tr("Status"), escaped(cell(M::Status)));
    line(QObject::tr("User agent"), escaped(cell(M::UserAgent)));
    line(QObject::tr("Browser / OS / device"),
         QStringLiteral("%1 / %2 / %3").arg(escaped(cell(M::Browser)), escaped(cell(M::Os)), escaped(cell(M::Device))));
    line(QObject::tr("IP"), escaped(cell(M::Ip)));
    line(QObject::tr("Location"), QStringLiteral("%1 %2").arg(escaped(cell(M::City)), escaped(cell(M::Country))));
    line(QObject::tr("Created"), escaped(cell(M::Created)));
    line(QObject::tr("Last activity"), escaped(cell(M::LastActivity)));
    line(QObject::tr("Expires"), escaped(cell(M::Expires)));
    if (!cell(M::Revoked).toString().isEmpty()) {
        line(QObject::tr("Revoked"), escaped(cell(M::Revoked)));
        line(QObject::tr("Reason"), escaped(cell(M::RevokedReason)));
    }
    details->setHtml(html + QStringLiteral("</table>"));
}

void SessionsPageImpl::revokeInteractive()
{
    const QStringList ids = selectedIds();
    if (ids.isEmpty())
        return;
    bool ok = false;
    const QString reason = QInputDialog::getText(q, QObject::tr("Revoke sessions"),
                                                 QObject::tr("Revoke %n session(s). Reason:", nullptr,
                                                             static_cast<int>(ids.size())),
                                                 QLineEdit::Normal, QObject::tr("revoked by an administrator"), &ok);
    if (ok)
        q->revokeSelected(reason);
}

void SessionsPageImpl::bulkInteractive()
{
    bool ok = false;
    const QString reason = QInputDialog::getText(q, QObject::tr("Revoke all matching sessions"),
                                                 QObject::tr("Reason:"), QLineEdit::Normal,
                                                 QObject::tr("revoked by an administrator"), &ok);
    if (ok)
        q->bulkRevoke(reason);
}

SessionsPage::SessionsPage(ConsoleConnection *connection, QWidget *parent)
    : QWidget(parent), d(new SessionsPageImpl(this, connection))
{
    connect(connection, &ConsoleConnection::opened, this, &SessionsPage::refresh);
    connect(connection, &ConsoleConnection::closed, d->model, &KeysetTableModel::clear);
    if (connection->isOpen())
        refresh();
}

SessionsPage::~SessionsPage()
{
    delete d;
}

SessionsTableModel *SessionsPage::model() const { return d->model; }
QTableView *SessionsPage::table() const { return d->table; }

void SessionsPage::refresh()
{
    if (!d->connection->isOpen())
        return;
    TablePageKit::BusyCursor busy;
    d->model->reload();
}

void SessionsPage::setFilter(const SessionFilter &filter)
{
    d->showFilterInBar(filter);
    if (!d->connection->isOpen())
        return;
    TablePageKit::BusyCursor busy;
    d->model->setFilter(filter);
}

void SessionsPage::showUserSessions(const QString &user)
{
    SessionFilter f;
    f.user = user;
    setFilter(f);
}

void SessionsPage::showSession(const QString &sessionId)
{
    if (!d->connection->isOpen())
        return;
    // The session's user narrows the table to a few rows, among them this one.
    const QString userId = SessionsTableModel::userOfSession(d->connection->database(), sessionId);
    if (userId.isEmpty()) {
        TablePageKit::showError(this, tr("Session %1 was not found.").arg(sessionId.left(12)),
                                makeError(QStringLiteral("NOT_FOUND"), tr("it may have been deleted with its user")));
        return;
    }
    showUserSessions(userId);
    int row = d->model->rowOfId(sessionId);
    while (row < 0 && d->model->canFetchMore({})) {
        d->model->fetchMore({});
        row = d->model->rowOfId(sessionId);
    }
    if (row >= 0) {
        d->table->selectRow(row);
        d->table->scrollTo(d->model->index(row, 0));
    }
}

void SessionsPage::revokeSelected(const QString &reason)
{
    const QStringList ids = d->selectedIds();
    if (ids.isEmpty())
        return;
    if (!TablePageKit::confirm(this, tr("Revoke sessions"),
                               tr("Revoke %n session(s)? Their users are signed out at once.", nullptr,
                                  static_cast<int>(ids.size()))))
        return;
    QPointer<SessionsPage> self(this);
    auto done = [self, ids](Result<int> revoked) {
        if (!self)
            return;
        if (!revoked)
            TablePageKit::showError(self, tr("Could not revoke %n session(s).", nullptr, static_cast<int>(ids.size())),
                                    revoked.error());
        self->refresh();
        emit self->actionFinished(QStringLiteral("revoke"), revoked.ok());
    };
    TablePageKit::BusyCursor busy;
    d->connection->admin().revokeSessions(ids, reason, done);
}

BulkRevokeJob *SessionsPage::bulkRevoke(const QString &reason)
{
    if (!d->connection->isOpen())
        return nullptr;
    const SessionFilter filter = d->model->filter();
    Result<qint64> count = [&] {
        TablePageKit::BusyCursor busy;
        return d->connection->admin().countRevocable(filter);
    }();
    if (!count) {
        TablePageKit::showError(this, tr("Could not count the matching sessions."), count.error());
        return nullptr;
    }
    if (*count == 0) {
        TablePageKit::inform(this, tr("No active session matches the filter."));
        emit actionFinished(QStringLiteral("bulk"), true);
        return nullptr;
    }
    if (!TablePageKit::confirm(this, tr("Revoke all matching"),
                               tr("Revoke %1 active sessions matching the current filter?")
                                   .arg(QLocale().toString(*count))))
        return nullptr;
    BulkRevokeJob *job = d->connection->admin().startBulkRevoke(filter, reason, this);
    auto *progress = new QProgressDialog(tr("Revoking sessions…"), tr("Cancel"), 0, 1000, this);
    progress->setWindowModality(Qt::WindowModal);
    progress->setMinimumDuration(300);
    progress->setAttribute(Qt::WA_DeleteOnClose);
    connect(progress, &QProgressDialog::canceled, job, &BulkRevokeJob::cancel);
    connect(job, &BulkRevokeJob::progress, progress, [progress](qint64 done, qint64 total) {
        progress->setValue(total > 0 ? static_cast<int>(qMin<qint64>(999, done * 1000 / total)) : 0);
        progress->setLabelText(tr("Revoked %1 of %2 sessions…").arg(QLocale().toString(done), QLocale().toString(total)));
    });
    QPointer<QProgressDialog> dialog(progress);
    connect(job, &BulkRevokeJob::finished, this, [this, job, dialog](qint64 revoked, bool cancelled, const QString &error) {
        if (dialog)
            dialog->close();
        if (!error.isEmpty())
            TablePageKit::showError(this, tr("Bulk revocation stopped after %1 sessions.").arg(revoked),
                                    makeError(QStringLiteral("BULK_REVOKE_FAILED"), error));
        Q_UNUSED(cancelled);
        refresh();
        emit actionFinished(QStringLiteral("bulk"), error.isEmpty());
        job->deleteLater();
    });
    return job;
}
