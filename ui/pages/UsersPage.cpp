#include "UsersPage.h"

#include "TablePageKit.h"
#include "models/console/ConsoleTableModels.h"
#include "models/console/UserDetails.h"
#include "server/admin/AdminService.h"
#include "ui/ConsoleConnection.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QShortcut>
#include <QSplitter>
#include <QTableView>
#include <QTextBrowser>
#include <QTimer>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace {
QComboBox *triState(const QString &what)
{
    auto *box = new QComboBox;
    box->addItem(what + QObject::tr(": any"));
    box->addItem(what + QObject::tr(": yes"), true);
    box->addItem(what + QObject::tr(": no"), false);
    return box;
}

std::optional<bool> triValue(const QComboBox *box)
{
    const QVariant v = box->currentData();
    return v.isValid() ? std::optional<bool>(v.toBool()) : std::nullopt;
}

QString when(const QDateTime &t)
{
    return t.isValid() ? t.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm")) : QObject::tr("never");
}

constexpr int ProviderItem = QTreeWidgetItem::UserType + 1;
constexpr int PasskeyItem = QTreeWidgetItem::UserType + 2;
constexpr int SessionItem = QTreeWidgetItem::UserType + 3;
} // namespace

class UsersPageImpl : public QObject
{
public:
    UsersPageImpl(UsersPage *page, ConsoleConnection *connection);
    void applyFilter();
    void loadDetails();
    QString currentUserId() const;
    void act(const QString &what, const std::function<void(std::function<void(Status)>)> &action);
    void removeSelectedItem();

    UsersPage *q;
    ConsoleConnection *connection;
    UsersTableModel *model;
    QTableView *table;
    QLineEdit *search = new QLineEdit;
    QComboBox *status = new QComboBox;
    QComboBox *role = new QComboBox;
    QComboBox *emailVerified = triState(QObject::tr("email verified"));
    QComboBox *phoneVerified = triState(QObject::tr("phone verified"));
    QComboBox *totp = triState(QObject::tr("TOTP"));
    QComboBox *passkey = triState(QObject::tr("passkey"));
    QLabel *count = new QLabel;
    QTextBrowser *profile = new QTextBrowser;
    QTreeWidget *items = new QTreeWidget;
    QPushButton *disable = new QPushButton;
    QPushButton *admin = new QPushButton;
    QPushButton *resetTotp = new QPushButton(QObject::tr("Reset TOTP"));
    QPushButton *signOut = new QPushButton(QObject::tr("Sign out everywhere"));
    QPushButton *remove = new QPushButton(QObject::tr("Delete user…"));
    QPushButton *removeItem = new QPushButton(QObject::tr("Remove selected item…"));
    QTimer debounce;
    UserDetails shown;
};

UsersPageImpl::UsersPageImpl(UsersPage *page, ConsoleConnection *c)
    : q(page), connection(c), model(new UsersTableModel([c] { return c->database(); }, page))
{
    table = TablePageKit::makeTable(model, QStringLiteral("users"), page);
    search->setPlaceholderText(QObject::tr("search email, name or id"));
    status->addItem(QObject::tr("any status"), QString());
    status->addItem(QStringLiteral("active"), QStringLiteral("active"));
    status->addItem(QStringLiteral("disabled"), QStringLiteral("disabled"));
    role->addItem(QObject::tr("any role"), QString());
    role->addItem(QStringLiteral("user"), QStringLiteral("user"));
    role->addItem(QStringLiteral("admin"), QStringLiteral("admin"));

    auto *bar = new QHBoxLayout;
    for (QWidget *w : std::initializer_list<QWidget *>{search, status, role, emailVerified, phoneVerified, totp, passkey})
        bar->addWidget(w);
    bar->addWidget(count);
    auto *actions = new QHBoxLayout;
    for (QPushButton *b : {disable, admin, resetTotp, signOut, remove})
        actions->addWidget(b);
    actions->addStretch();
    items->setHeaderLabels({QObject::tr("Linked providers, passkeys and active sessions"), QObject::tr("Since")});
    auto *detail = new QWidget;
    auto *detailLayout = new QVBoxLayout(detail);
    detailLayout->setContentsMargins(0, 0, 0, 0);
    detailLayout->addWidget(profile);
    detailLayout->addLayout(actions);
    detailLayout->addWidget(items);
    detailLayout->addWidget(removeItem, 0, Qt::AlignLeft);
    auto *splitter = new QSplitter(Qt::Horizontal);
    splitter->addWidget(table);
    splitter->addWidget(detail);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    auto *layout = new QVBoxLayout(page);
    layout->addLayout(bar);
    layout->addWidget(splitter);
    profile->setOpenLinks(false);

    TablePageKit::bindCount(model, count, QObject::tr("users"));
    connect(model, &KeysetTableModel::failed, this, [this](const QString &message) {
        TablePageKit::showError(q, QObject::tr("Could not load the users."), makeError(QStringLiteral("QUERY_FAILED"), message));
    });
    debounce.setSingleShot(true);
    debounce.setInterval(300);
    connect(&debounce, &QTimer::timeout, this, &UsersPageImpl::applyFilter);
    connect(search, &QLineEdit::textEdited, &debounce, qOverload<>(&QTimer::start));
    connect(search, &QLineEdit::returnPressed, this, &UsersPageImpl::applyFilter);
    for (QComboBox *box : {status, role, emailVerified, phoneVerified, totp, passkey})
        connect(box, &QComboBox::currentIndexChanged, this, &UsersPageImpl::applyFilter);
    connect(table->selectionModel(), &QItemSelectionModel::selectionChanged, this, &UsersPageImpl::loadDetails);
    connect(model, &QAbstractItemModel::modelReset, this, &UsersPageImpl::loadDetails);
    connect(items, &QTreeWidget::itemDoubleClicked, this, [this](QTreeWidgetItem *item) {
        if (item->type() == SessionItem)
            emit q->sessionRequested(item->data(0, Qt::UserRole).toString());
    });

    connect(disable, &QPushButton::clicked, this, [this] {
        const bool disabling = shown.status != QLatin1String("disabled");
        if (disabling && !TablePageKit::confirm(q, QObject::tr("Disable user"),
                                                QObject::tr("Disable %1? Their sessions stop working at once.").arg(shown.email)))
            return;
        const QString id = shown.id;
        act(disabling ? QObject::tr("disable %1").arg(shown.email) : QObject::tr("enable %1").arg(shown.email),
            [this, id, disabling](auto done) { connection->admin().setUserDisabled(id, disabling, done); });
    });
    connect(admin, &QPushButton::clicked, this, [this] {
        const bool making = shown.role != QLatin1String("admin");
        if (!TablePageKit::confirm(q, QObject::tr("Change role"),
                                   making ? QObject::tr("Make %1 an administrator?").arg(shown.email)
                                          : QObject::tr("Revoke administrator rights of %1?").arg(shown.email)))
            return;
        const QString id = shown.id;
        act(QObject::tr("change the role of %1").arg(shown.email),
            [this, id, making](auto done) { connection->admin().setUserAdmin(id, making, done); });
    });
    connect(resetTotp, &QPushButton::clicked, this, [this] {
        if (!TablePageKit::confirm(q, QObject::tr("Reset TOTP"),
                                   QObject::tr("Turn off TOTP for %1 and forget the secret?").arg(shown.email)))
            return;
        const QString id = shown.id;
        act(QObject::tr("reset TOTP of %1").arg(shown.email),
            [this, id](auto done) { connection->admin().resetTotp(id, done); });
    });
    connect(signOut, &QPushButton::clicked, this, [this] {
        if (!TablePageKit::confirm(q, QObject::tr("Sign out everywhere"),
                                   QObject::tr("Revoke every session of %1?").arg(shown.email)))
            return;
        const QString id = shown.id;
        act(QObject::tr("sign %1 out everywhere").arg(shown.email), [this, id](auto done) {
            connection->admin().signOutEverywhere(id, [done](Result<int> n) { done(n ? Status() : Status(n.error())); });
        });
    });
    connect(remove, &QPushButton::clicked, this, [this] {
        if (!TablePageKit::confirm(q, QObject::tr("Delete user"),
                                   QObject::tr("Delete %1 with all sessions, passkeys and linked providers? "
                                               "This cannot be undone.").arg(shown.email)))
            return;
        const QString id = shown.id;
        act(QObject::tr("delete %1").arg(shown.email), [this, id](auto done) { connection->admin().deleteUser(id, done); });
    });
    connect(removeItem, &QPushButton::clicked, this, &UsersPageImpl::removeSelectedItem);

    auto *del = new QShortcut(QKeySequence::Delete, items);
    del->setContext(Qt::WidgetShortcut);
    connect(del, &QShortcut::activated, this, &UsersPageImpl::removeSelectedItem);
    auto *find = new QShortcut(QKeySequence::Find, page);
    find->setContext(Qt::WidgetWithChildrenShortcut);
    connect(find, &QShortcut::activated, search, [this] {
        search->setFocus();
        search->selectAll();
    });
    auto *f5 = new QShortcut(QKeySequence::Refresh, page);
    f5->setContext(Qt::WidgetWithChildrenShortcut);
    connect(f5, &QShortcut::activated, q, &UsersPage::refresh);
}

void UsersPageImpl::applyFilter()
{
    debounce.stop();
    UserFilter f;
    f.search = search->text();
    f.status = status->currentData().toString();
    f.role = role->currentData().toString();
    f.emailVerified = triValue(emailVerified);
    f.phoneVerified = triValue(phoneVerified);
    f.totpEnabled = triValue(totp);
    f.hasPasskey = triValue(passkey);
    if (!connection->isOpen())
        return;
    TablePageKit::BusyCursor busy;
    model->setFilter(f);
}

QString UsersPageImpl::currentUserId() const
{
    const QModelIndexList rows = table->selectionModel()->selectedRows();
    return rows.size() == 1 ? model->idAt(rows.first().row()) : QString();
}

void UsersPageImpl::loadDetails()
{
    const QString id = currentUserId();
    items->clear();
    shown = {};
    for (QPushButton *b : {disable, admin, resetTotp, signOut, remove, removeItem})
        b->setEnabled(!id.isEmpty());
    disable->setText(QObject::tr("Disable"));
    admin->setText(QObject::tr("Make admin"));
    if (id.isEmpty()) {
        profile->setHtml(QObject::tr("<p>Select a user to see the profile.</p>"));
        return;
    }
    auto details = UserDetails::load(connection->database(), id);
    if (!details) {
        profile->setHtml(QObject::tr("<p>Could not load the user: %1</p>").arg(details.error().message.toHtmlEscaped()));
        return;
    }
    shown = *details;
    const UserDetails &u = shown;
    disable->setText(u.status == QLatin1String("disabled") ? QObject::tr("Enable") : QObject::tr("Disable"));
    admin->setText(u.role == QLatin1String("admin") ? QObject::tr("Revoke admin") : QObject::tr("Make admin"));
    resetTotp->setEnabled(u.totpEnabled);
    QString html = QStringLiteral("<h3>%1</h3><table>").arg(
        (u.displayName.isEmpty() ? u.firstName + QLatin1Char(' ') + u.lastName : u.displayName).toHtmlEscaped());
    auto line = [&html](const QString &label, const QString &value) {
        html += QStringLiteral("<tr><td><b>%1</b></td><td>%2</td></tr>").arg(label, value.toHtmlEscaped());
    };
    line(QObject::tr("Email"), u.email + (u.emailVerified ? QObject::tr(" (verified)") : QObject::tr(" (not verified)")));
    line(QObject::tr("Phone"), u.phone.isEmpty() ? QObject::tr("none")
                                                 : u.phone + (u.phoneVerified ? QObject::tr(" (verified)") : QObject::tr(" (not verified)")));
    line(QObject::tr("Id"), u.id);
    line(QObject::tr("Status / role"), u.status + QStringLiteral(" / ") + u.role);
    line(QObject::tr("TOTP"), u.totpEnabled ? QObject::tr("on") : QObject::tr("off"));
    line(QObject::tr("Avatar"), u.avatarKey.isEmpty() ? (u.avatarUrl.isEmpty() ? QObject::tr("none") : u.avatarUrl)
                                                       : QStringLiteral("/avatars/") + u.avatarKey);
    line(QObject::tr("Created"), when(u.createdAt));
    line(QObject::tr("Last sign-in"), when(u.lastLoginAt));
    profile->setHtml(html + QStringLiteral("</table>"));

    auto *providers = new QTreeWidgetItem(items, {QObject::tr("Providers (%1)").arg(u.providers.size())});
    for (const auto &p : u.providers) {
        auto *item = new QTreeWidgetItem(providers, {p.type + QStringLiteral(": ") + (p.email.isEmpty() ? p.providerId : p.email),
                                                     when(p.linkedAt)}, ProviderItem);
        item->setData(0, Qt::UserRole, p.rowId);
    }
    auto *passkeys = new QTreeWidgetItem(items, {QObject::tr("Passkeys (%1)").arg(u.passkeys.size())});
    for (const auto &p : u.passkeys) {
        auto *item = new QTreeWidgetItem(passkeys, {p.deviceType + (p.backedUp ? QObject::tr(", backed up") : QString()) +
                                                        QObject::tr(", last used ") + when(p.lastUsedAt),
                                                    when(p.createdAt)}, PasskeyItem);
        item->setData(0, Qt::UserRole, p.id);
    }
    auto *sessions = new QTreeWidgetItem(items, {QObject::tr("Active sessions (%1)").arg(u.sessions.size())});
    for (const auto &s : u.sessions) {
        auto *item = new QTreeWidgetItem(sessions, {QStringLiteral("%1 on %2, %3 %4").arg(s.browser, s.os, s.ip, s.country),
                                                    when(s.createdAt)}, SessionItem);
        item->setData(0, Qt::UserRole, s.id);
    }
    items->expandAll();
}

void UsersPageImpl::act(const QString &what, const std::function<void(std::function<void(Status)>)> &action)
{
    QPointer<UsersPage> page(q);
    TablePageKit::BusyCursor busy;
    action([page, what](Status outcome) {
        if (!page)
            return;
        if (!outcome)
            TablePageKit::showError(page, QObject::tr("Could not %1.").arg(what), outcome.error());
        page->refresh();
    });
}

void UsersPageImpl::removeSelectedItem()
{
    QTreeWidgetItem *item = items->currentItem();
    if (!item)
        return;
    const QVariant key = item->data(0, Qt::UserRole);
    switch (item->type()) {
    case ProviderItem:
        if (TablePageKit::confirm(q, QObject::tr("Unlink provider"), QObject::tr("Unlink %1 from %2?").arg(item->text(0), shown.email)))
            act(QObject::tr("unlink the provider"), [this, key](auto done) { connection->admin().unlinkProvider(key.toInt(), done); });
        break;
    case PasskeyItem:
        if (TablePageKit::confirm(q, QObject::tr("Remove passkey"), QObject::tr("Remove this passkey of %1?").arg(shown.email)))
            act(QObject::tr("remove the passkey"), [this, key](auto done) { connection->admin().removePasskey(key.toString(), done); });
        break;
    case SessionItem:
        if (TablePageKit::confirm(q, QObject::tr("Revoke session"), QObject::tr("Revoke this session of %1?").arg(shown.email)))
            act(QObject::tr("revoke the session"), [this, key](auto done) {
                connection->admin().revokeSession(key.toString(), QStringLiteral("revoked by an administrator"),
                                                  [done](Result<bool> r) { done(r ? Status() : Status(r.error())); });
            });
        break;
    default:
        break;
    }
}

UsersPage::UsersPage(ConsoleConnection *connection, QWidget *parent)
    : QWidget(parent), d(new UsersPageImpl(this, connection))
{
    connect(connection, &ConsoleConnection::opened, this, &UsersPage::refresh);
    connect(connection, &ConsoleConnection::closed, d->model, &KeysetTableModel::clear);
    if (connection->isOpen())
        refresh();
}

UsersPage::~UsersPage()
{
    delete d;
}

void UsersPage::refresh()
{
    if (!d->connection->isOpen())
        return;
    const QString selected = d->currentUserId();
    TablePageKit::BusyCursor busy;
    d->model->reload();
    const int row = d->model->rowOfId(selected);
    if (row >= 0)
        d->table->selectRow(row);
}

void UsersPage::showUser(const QString &userId)
{
    d->search->setText(userId);
    d->applyFilter();
    const int row = d->model->rowOfId(userId);
    if (row >= 0)
        d->table->selectRow(row);
}
