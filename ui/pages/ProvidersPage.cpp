#include "ProvidersPage.h"

#include "TablePageKit.h"
#include "models/console/ConsoleTableModels.h"
#include "server/admin/AdminService.h"
#include "ui/ConsoleConnection.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QShortcut>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

class ProvidersPageImpl : public QObject
{
public:
    ProvidersPageImpl(ProvidersPage *page, ConsoleConnection *c) : q(page), connection(c) {}
    void ensureModel();
    void applyFilter();
    void removeSelected();

    ProvidersPage *q;
    ConsoleConnection *connection;
    ProvidersTableModel *model = nullptr; // made once connected
    QTableView *table = nullptr;
    QVBoxLayout *layout = nullptr;
    QLineEdit *user = new QLineEdit;
    QLineEdit *search = new QLineEdit;
    QComboBox *type = new QComboBox;
    QLabel *count = new QLabel;
    QPushButton *remove = new QPushButton(QObject::tr("Unlink selected…"));
    QTimer debounce;
};

void ProvidersPageImpl::ensureModel()
{
    if (model || !connection->isOpen())
        return;
    model = new ProvidersTableModel([c = connection] { return c->database(); }, q);
    table = TablePageKit::makeTable(model, QStringLiteral("providers"), q);
    layout->addWidget(table);
    TablePageKit::bindCount(model, count, QObject::tr("providers"));
    connect(model, &KeysetTableModel::failed, this, [this](const QString &message) {
        TablePageKit::showError(q, QObject::tr("Could not load the linked providers."), makeError(QStringLiteral("QUERY_FAILED"), message));
    });
    connect(connection, &ConsoleConnection::closed, model, &KeysetTableModel::clear);
    connect(table, &QTableView::doubleClicked, this, [this](const QModelIndex &index) {
        emit q->userRequested(model->value(index.row(), ProvidersTableModel::UserId).toString());
    });
    auto *del = new QShortcut(QKeySequence::Delete, table);
    del->setContext(Qt::WidgetShortcut);
    connect(del, &QShortcut::activated, this, &ProvidersPageImpl::removeSelected);
}

void ProvidersPageImpl::applyFilter()
{
    debounce.stop();
    ensureModel();
    if (!model)
        return;
    ProviderFilter f;
    f.userId = user->text().trimmed();
    f.search = search->text();
    f.type = type->currentData().toString();
    TablePageKit::BusyCursor busy;
    model->setFilter(f);
}

void ProvidersPageImpl::removeSelected()
{
    if (!table)
        return;
    const QModelIndexList rows = table->selectionModel()->selectedRows();
    if (rows.isEmpty() || !TablePageKit::confirm(q, QObject::tr("Unlink providers"),
                                                 QObject::tr("Unlink %n provider(s)? Their owners can no longer sign in with them.",
                                                             nullptr, static_cast<int>(rows.size()))))
        return;
    QList<int> ids;
    for (const QModelIndex &index : rows)
        ids.append(model->idAt(index.row()).toInt());
    QPointer<ProvidersPage> page(q);
    auto remaining = std::make_shared<int>(static_cast<int>(ids.size()));
    for (int id : ids)
        connection->admin().unlinkProvider(id, [page, remaining](Status status) {
            if (!page)
                return;
            if (!status)
                TablePageKit::showError(page, QObject::tr("Could not unlink the provider."), status.error());
            if (--*remaining == 0)
                page->refresh();
        });
}

ProvidersPage::ProvidersPage(ConsoleConnection *connection, QWidget *parent)
    : QWidget(parent), d(new ProvidersPageImpl(this, connection))
{
    d->user->setPlaceholderText(tr("user id"));
    d->search->setPlaceholderText(tr("provider id or email"));
    auto *bar = new QHBoxLayout;
    bar->addWidget(d->user);
    bar->addWidget(d->search);
    d->type->addItem(tr("any provider"), QString());
    for (const char *t : {"google", "github", "apple", "microsoft", "oidc"})
        d->type->addItem(QString::fromLatin1(t), QString::fromLatin1(t));
    d->type->setEditable(false);
    bar->addWidget(d->type);
    connect(d->type, &QComboBox::currentIndexChanged, d, &ProvidersPageImpl::applyFilter);
    bar->addWidget(d->count);
    bar->addStretch();
    bar->addWidget(d->remove);
    d->layout = new QVBoxLayout(this);
    d->layout->addLayout(bar);
    d->debounce.setSingleShot(true);
    d->debounce.setInterval(300);
    connect(&d->debounce, &QTimer::timeout, d, &ProvidersPageImpl::applyFilter);
    for (QLineEdit *edit : {d->user, d->search}) {
        connect(edit, &QLineEdit::textEdited, &d->debounce, qOverload<>(&QTimer::start));
        connect(edit, &QLineEdit::returnPressed, d, &ProvidersPageImpl::applyFilter);
    }
    connect(d->remove, &QPushButton::clicked, d, &ProvidersPageImpl::removeSelected);
    auto *find = new QShortcut(QKeySequence::Find, this);
    find->setContext(Qt::WidgetWithChildrenShortcut);
    connect(find, &QShortcut::activated, d->search, [this] { d->search->setFocus(); });
    auto *f5 = new QShortcut(QKeySequence::Refresh, this);
    f5->setContext(Qt::WidgetWithChildrenShortcut);
    connect(f5, &QShortcut::activated, this, &ProvidersPage::refresh);
    connect(connection, &ConsoleConnection::opened, this, &ProvidersPage::refresh);
    if (connection->isOpen())
        refresh();
}

ProvidersPage::~ProvidersPage()
{
    delete d;
}

void ProvidersPage::refresh()
{
    d->ensureModel();
    if (!d->model || !d->connection->isOpen())
        return;
    TablePageKit::BusyCursor busy;
    d->model->reload();
}
