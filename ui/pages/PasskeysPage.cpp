#include "PasskeysPage.h"

#include "TablePageKit.h"
#include "models/console/ConsoleTableModels.h"
#include "server/admin/AdminService.h"
#include "ui/ConsoleConnection.h"

#include <QHBoxLayout>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QShortcut>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

class PasskeysPageImpl : public QObject
{
public:
    PasskeysPageImpl(PasskeysPage *page, ConsoleConnection *c) : q(page), connection(c) {}
    void ensureModel();
    void applyFilter();
    void removeSelected();

    PasskeysPage *q;
    ConsoleConnection *connection;
    PasskeysTableModel *model = nullptr; // made once connected: its columns depend on the schema
    QTableView *table = nullptr;
    QVBoxLayout *layout = nullptr;
    QLineEdit *user = new QLineEdit;
    QLineEdit *search = new QLineEdit;
    QLabel *count = new QLabel;
    QPushButton *remove = new QPushButton(QObject::tr("Remove selected…"));
    QTimer debounce;
};

void PasskeysPageImpl::ensureModel()
{
    if (model || !connection->isOpen())
        return;
    model = new PasskeysTableModel([c = connection] { return c->database(); }, q);
    table = TablePageKit::makeTable(model, QStringLiteral("passkeys"), q);
    layout->addWidget(table);
    TablePageKit::bindCount(model, count, QObject::tr("passkeys"));
    connect(model, &KeysetTableModel::failed, this, [this](const QString &message) {
        TablePageKit::showError(q, QObject::tr("Could not load the passkeys."), makeError(QStringLiteral("QUERY_FAILED"), message));
    });
    connect(connection, &ConsoleConnection::closed, model, &KeysetTableModel::clear);
    connect(table, &QTableView::doubleClicked, this, [this](const QModelIndex &index) {
        emit q->userRequested(model->value(index.row(), PasskeysTableModel::UserId).toString());
    });
    auto *del = new QShortcut(QKeySequence::Delete, table);
    del->setContext(Qt::WidgetShortcut);
    connect(del, &QShortcut::activated, this, &PasskeysPageImpl::removeSelected);
}

void PasskeysPageImpl::applyFilter()
{
    debounce.stop();
    ensureModel();
    if (!model)
        return;
    PasskeyFilter f;
    f.userId = user->text().trimmed();
    f.search = search->text();
    TablePageKit::BusyCursor busy;
    model->setFilter(f);
}

void PasskeysPageImpl::removeSelected()
{
    if (!table)
        return;
    const QModelIndexList rows = table->selectionModel()->selectedRows();
    if (rows.isEmpty() || !TablePageKit::confirm(q, QObject::tr("Remove passkeys"),
                                                 QObject::tr("Remove %n passkey(s)? Their owners can no longer sign in with them.",
                                                             nullptr, static_cast<int>(rows.size()))))
        return;
    QStringList ids;
    for (const QModelIndex &index : rows)
        ids.append(model->idAt(index.row()));
    QPointer<PasskeysPage> page(q);
    auto remaining = std::make_shared<int>(static_cast<int>(ids.size()));
    for (const QString &id : ids)
        connection->admin().removePasskey(id, [page, id, remaining](Status status) {
            if (!page)
                return;
            if (!status)
                TablePageKit::showError(page, QObject::tr("Could not remove passkey %1.").arg(id.left(16)), status.error());
            if (--*remaining == 0)
                page->refresh();
        });
}

PasskeysPage::PasskeysPage(ConsoleConnection *connection, QWidget *parent)
    : QWidget(parent), d(new PasskeysPageImpl(this, connection))
{
    d->user->setPlaceholderText(tr("user id"));
    d->search->setPlaceholderText(tr("credential id or user email"));
    auto *bar = new QHBoxLayout;
    bar->addWidget(d->user);
    bar->addWidget(d->search);
    bar->addWidget(d->count);
    bar->addStretch();
    bar->addWidget(d->remove);
    d->layout = new QVBoxLayout(this);
    d->layout->addLayout(bar);
    d->debounce.setSingleShot(true);
    d->debounce.setInterval(300);
    connect(&d->debounce, &QTimer::timeout, d, &PasskeysPageImpl::applyFilter);
    for (QLineEdit *edit : {d->user, d->search}) {
        connect(edit, &QLineEdit::textEdited, &d->debounce, qOverload<>(&QTimer::start));
        connect(edit, &QLineEdit::returnPressed, d, &PasskeysPageImpl::applyFilter);
    }
    connect(d->remove, &QPushButton::clicked, d, &PasskeysPageImpl::removeSelected);
    auto *find = new QShortcut(QKeySequence::Find, this);
    find->setContext(Qt::WidgetWithChildrenShortcut);
    connect(find, &QShortcut::activated, d->search, [this] { d->search->setFocus(); });
    auto *f5 = new QShortcut(QKeySequence::Refresh, this);
    f5->setContext(Qt::WidgetWithChildrenShortcut);
    connect(f5, &QShortcut::activated, this, &PasskeysPage::refresh);
    connect(connection, &ConsoleConnection::opened, this, &PasskeysPage::refresh);
    if (connection->isOpen())
        refresh();
}

PasskeysPage::~PasskeysPage()
{
    delete d;
}

void PasskeysPage::refresh()
{
    d->ensureModel();
    if (!d->model || !d->connection->isOpen())
        return;
    TablePageKit::BusyCursor busy;
    d->model->reload();
}
