#include "MainWindow.h"

#include "ConsoleConnection.h"
#include "ServerPage.h"
#include "keychain/KeychainSecretStore.h"
#include "pages/LiveEventsPage.h"
#include "pages/OverviewPage.h"
#include "pages/PasskeysPage.h"
#include "pages/ProvidersPage.h"
#include "pages/SessionsPage.h"
#include "pages/SettingsPage.h"
#include "pages/UsersPage.h"
#include "server/config/ConfigLoader.h"
#include "server/runtime/ServerController.h"

#include <QAbstractItemView>
#include <QApplication>
#include <QCloseEvent>
#include <QHeaderView>
#include <QIcon>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QSettings>
#include <QShortcut>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTableView>
#include <QTreeView>

using namespace Qt::StringLiterals;

namespace {

// The console's icon: the theme's when the package installed one, else the copy compiled
// into the console (resources/icons), so a console run from the build tree has it too.
QIcon appIcon()
{
    return QIcon::fromTheme(u"gatehouse"_s, QIcon(u":/icons/gatehouse.svg"_s));
}

// The config file the Settings page edits: the one the console was started with, else the
// per-user default that `gatehouse --config` would be pointed at.
QString settingsFile(const Config &config)
{
    if (!config.configFile.isEmpty())
        return config.configFile;
    return SettingsPage::defaultConfigPath();
}

// Ctrl+F on a page without its own hook: its first line edit is its filter.
void focusFirstLineEdit(QWidget *page)
{
    if (auto *edit = page->findChild<QLineEdit *>(u"filter"_s)) {
        edit->setFocus(Qt::ShortcutFocusReason);
        edit->selectAll();
    } else if (auto *first = page->findChild<QLineEdit *>()) {
        first->setFocus(Qt::ShortcutFocusReason);
        first->selectAll();
    }
}

} // namespace

MainWindow::MainWindow(ServerController *controller, QWidget *parent)
    : QMainWindow(parent),
      m_controller(controller),
      m_connection(new ConsoleConnection(this)),
      m_splitter(new QSplitter),
      m_pageList(new QListWidget),
      m_pages(new QStackedWidget),
      m_serverState(new QLabel),
      m_connectionState(new QLabel)
{
    setWindowTitle(tr("Gatehouse"));
    setWindowIcon(appIcon());
    if (QApplication::windowIcon().isNull() || QApplication::windowIcon().availableSizes().isEmpty())
        QApplication::setWindowIcon(windowIcon()); // dialogs and the task bar as well

    m_pageList->setObjectName(u"pageList"_s);
    m_pageList->setMaximumWidth(220);
    m_pageList->setMinimumWidth(120);
    m_pageList->setIconSize(QSize(18, 18));
    m_splitter->setObjectName(u"mainSplitter"_s);
    m_splitter->addWidget(m_pageList);
    m_splitter->addWidget(m_pages);
    m_splitter->setStretchFactor(1, 1);
    m_splitter->setChildrenCollapsible(false);
    setCentralWidget(m_splitter);
    connect(m_pageList, &QListWidget::currentRowChanged, m_pages, &QStackedWidget::setCurrentIndex);

    m_overviewPage = new OverviewPage(m_connection);
    m_usersPage = new UsersPage(m_connection);
    m_sessionsPage = new SessionsPage(m_connection);
    m_passkeysPage = new PasskeysPage(m_connection);
    m_providersPage = new ProvidersPage(m_connection);
    m_liveEventsPage = new LiveEventsPage(m_connection);
    m_serverPage = new ServerPage(controller);
    const Config &config = controller->config();
    m_settingsPage = new SettingsPage(settingsFile(config), [config]() {
        // The store the server keeps its own keys in (keychain on a desktop, else the file
        // store): the delivery and OAuth code reads these secrets from there.
        return makeSecretStore(config, desktopKeychain());
    });

    auto focus = [](QWidget *page) { return [page] { focusFirstLineEdit(page); }; };
    addPage(tr("Overview"), u"go-home"_s, {m_overviewPage, [this] { m_overviewPage->refresh(); }, {}});
    addPage(tr("Users"), u"system-users"_s,
            {m_usersPage, [this] { m_usersPage->refresh(); }, focus(m_usersPage)});
    addPage(tr("Sessions"), u"network-workgroup"_s,
            {m_sessionsPage, [this] { m_sessionsPage->refresh(); }, focus(m_sessionsPage)});
    addPage(tr("Passkeys"), u"dialog-password"_s,
            {m_passkeysPage, [this] { m_passkeysPage->refresh(); }, focus(m_passkeysPage)});
    addPage(tr("Providers"), u"applications-internet"_s,
            {m_providersPage, [this] { m_providersPage->refresh(); }, focus(m_providersPage)});
    addPage(tr("Live events"), u"view-refresh"_s,
            {m_liveEventsPage, {}, [this] { m_liveEventsPage->focusFilter(); }});
    addPage(tr("Server"), u"network-server"_s, {m_serverPage, {}, {}});
    addPage(tr("Settings"), u"preferences-system"_s,
            {m_settingsPage, [this] { m_settingsPage->reload(); }, [this] { m_settingsPage->focusFilter(); }});

    // Cross-page navigation: a double-click on a live event, a session in a user's panel.
    connect(m_liveEventsPage, &LiveEventsPage::userRequested, this, [this](const QString &id) {
        showPage(Users);
        m_usersPage->showUser(id);
    });
    connect(m_liveEventsPage, &LiveEventsPage::sessionRequested, this, [this](const QString &id) {
        showPage(Sessions);
        m_sessionsPage->showSession(id);
    });
    connect(m_usersPage, &UsersPage::sessionRequested, this, [this](const QString &id) {
        showPage(Sessions);
        m_sessionsPage->showSession(id);
    });
    connect(m_sessionsPage, &SessionsPage::userRequested, this, &MainWindow::showUserById);
    connect(m_passkeysPage, &PasskeysPage::userRequested, this, &MainWindow::showUserById);
    connect(m_providersPage, &ProvidersPage::userRequested, this, &MainWindow::showUserById);

    statusBar()->addWidget(m_serverState);
    statusBar()->addPermanentWidget(m_connectionState);
    connect(controller, &ServerController::statusChanged, this, &MainWindow::onServerStatus);
    connect(m_connection, &ConsoleConnection::opened, this, &MainWindow::showConnectionState);
    connect(m_connection, &ConsoleConnection::closed, this, &MainWindow::showConnectionState);

    installShortcuts();
    restoreLayout();
    // The connection opens on the first "running": only then are the services up and the
    // schema migrated (external services included: a fresh database has no tables before).
    onServerStatus(controller->lastStatus());
    showConnectionState();
}

MainWindow::~MainWindow()
{
    // Closed while every page is still whole: closed() reaches them (and this window), which
    // it must not do from QObject's deletion of children, halfway through destruction.
    m_closing = true;
    m_connection->disconnect(this);
    m_connection->close();
}

void MainWindow::showUserById(const QString &userId)
{
    showPage(Users);
    m_usersPage->showUser(userId);
}

void MainWindow::addPage(const QString &title, const QString &iconName, PageEntry entry)
{
    auto *item = new QListWidgetItem(QIcon::fromTheme(iconName), title);
    const int number = int(m_entries.size()) + 1;
    item->setToolTip(tr("%1 (Ctrl+%2)").arg(title).arg(number));
    m_pageList->addItem(item);
    m_pages->addWidget(entry.widget);
    m_entries.append(std::move(entry));
}

void MainWindow::installShortcuts()
{
    for (int i = 0; i < PageCount; ++i) {
        auto *shortcut = new QShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + i)), this);
        connect(shortcut, &QShortcut::activated, this, [this, i] { showPage(Page(i)); });
    }
    auto *find = new QShortcut(QKeySequence::Find, this);
    connect(find, &QShortcut::activated, this, &MainWindow::focusCurrentFilter);
    auto *refresh = new QShortcut(QKeySequence::Refresh, this); // F5
    connect(refresh, &QShortcut::activated, this, &MainWindow::refreshCurrentPage);
    auto *pageList = new QShortcut(QKeySequence(Qt::ALT | Qt::Key_0), this);
    connect(pageList, &QShortcut::activated, m_pageList, [this] { m_pageList->setFocus(); });
}

void MainWindow::showPage(Page page)
{
    if (page >= 0 && page < PageCount)
        m_pageList->setCurrentRow(page);
}

MainWindow::Page MainWindow::currentPage() const
{
    return Page(m_pages->currentIndex());
}

QWidget *MainWindow::page(Page page) const
{
    return page >= 0 && page < PageCount ? m_entries[page].widget : nullptr;
}

void MainWindow::refreshCurrentPage()
{
    const int index = m_pages->currentIndex();
    if (index >= 0 && index < m_entries.size() && m_entries[index].refresh)
        m_entries[index].refresh();
}

void MainWindow::focusCurrentFilter()
{
    const int index = m_pages->currentIndex();
    if (index < 0 || index >= m_entries.size())
        return;
    if (m_entries[index].focusFilter)
        m_entries[index].focusFilter();
    else
        focusFirstLineEdit(m_entries[index].widget);
}

void MainWindow::onServerStatus(const ServerStatus &status)
{
    QString text = ServerStatus::stateName(status.state);
    if (!status.url.isEmpty())
        text += u" at "_s + status.url;
    m_serverState->setText(tr("Server: %1").arg(text));
    if (m_closing)
        return;
    switch (status.state) {
    case ServerStatus::State::Running:
        // The services are up (embedded ones included): the URLs are final now.
        if (!status.connectDatabaseUrl.isEmpty() && !status.connectRedisUrl.isEmpty() &&
            (!m_connection->isOpen() || m_connection->databaseUrl() != status.connectDatabaseUrl ||
             m_connection->redisUrl() != status.connectRedisUrl))
            openConnection(status.connectDatabaseUrl, status.connectRedisUrl);
        break;
    case ServerStatus::State::Failed:
        // Embedded services that failed are gone; external ones may be what failed.
        if (m_controller->config().embeddedDatabase() || m_controller->config().embeddedRedis())
            m_connection->close();
        break;
    case ServerStatus::State::Stopped:
    case ServerStatus::State::Starting:
    case ServerStatus::State::Stopping:
        // Stopping the HTTP server leaves the services running (ServerController::stop), so
        // the console keeps administering them.
        break;
    }
    showConnectionState();
}

void MainWindow::openConnection(const QString &databaseUrl, const QString &redisUrl)
{
    const Status opened = m_connection->open(databaseUrl, redisUrl);
    m_connectionError = opened ? QString() : opened.error().message;
    if (!opened)
        statusBar()->showMessage(tr("Could not connect the console: %1").arg(m_connectionError), 15000);
    showConnectionState();
}

QString MainWindow::connectionStateText() const { return m_connectionState->text(); }

void MainWindow::showConnectionState()
{
    if (m_connection->isOpen()) {
        m_connectionState->setText(tr("Connected: %1").arg(ConfigLoader::maskUrl(m_connection->databaseUrl())));
        m_connectionState->setStyleSheet(QString());
        m_connectionState->setToolTip(tr("PostgreSQL %1\nRedis %2")
                                          .arg(ConfigLoader::maskUrl(m_connection->databaseUrl()),
                                               ConfigLoader::maskUrl(m_connection->redisUrl())));
    } else if (!m_connectionError.isEmpty()) {
        m_connectionState->setText(tr("Not connected: %1").arg(m_connectionError));
        m_connectionState->setStyleSheet(u"color: #b00020"_s);
    } else {
        m_connectionState->setText(tr("Not connected (waiting for the server)"));
        m_connectionState->setStyleSheet(QString());
    }
}

void MainWindow::restoreLayout()
{
    QSettings settings;
    if (!restoreGeometry(settings.value(u"mainWindow/geometry"_s).toByteArray()))
        resize(1200, 800);
    restoreState(settings.value(u"mainWindow/state"_s).toByteArray());
    if (!m_splitter->restoreState(settings.value(u"mainWindow/splitter"_s).toByteArray()))
        m_splitter->setSizes({160, width() - 160});
    // Splitters and table headers (column widths, order, sort) of the pages, by object name:
    // a page that names its widgets gets this for free.
    for (auto *splitter : m_pages->findChildren<QSplitter *>()) {
        if (!splitter->objectName().isEmpty())
            splitter->restoreState(settings.value(u"splitters/"_s + splitter->objectName()).toByteArray());
    }
    for (auto *view : m_pages->findChildren<QTableView *>()) {
        if (!view->objectName().isEmpty())
            view->horizontalHeader()->restoreState(
                settings.value(u"headers/"_s + view->objectName()).toByteArray());
    }
    for (auto *view : m_pages->findChildren<QTreeView *>()) {
        if (!view->objectName().isEmpty())
            view->header()->restoreState(settings.value(u"headers/"_s + view->objectName()).toByteArray());
    }
    showPage(Page(std::clamp(settings.value(u"mainWindow/page"_s, 0).toInt(), 0, PageCount - 1)));
}

void MainWindow::saveLayout()
{
    QSettings settings;
    settings.setValue(u"mainWindow/geometry"_s, saveGeometry());
    settings.setValue(u"mainWindow/state"_s, saveState());
    settings.setValue(u"mainWindow/splitter"_s, m_splitter->saveState());
    settings.setValue(u"mainWindow/page"_s, int(currentPage()));
    for (auto *splitter : m_pages->findChildren<QSplitter *>()) {
        if (!splitter->objectName().isEmpty())
            settings.setValue(u"splitters/"_s + splitter->objectName(), splitter->saveState());
    }
    for (auto *view : m_pages->findChildren<QTableView *>()) {
        if (!view->objectName().isEmpty())
            settings.setValue(u"headers/"_s + view->objectName(), view->horizontalHeader()->saveState());
    }
    for (auto *view : m_pages->findChildren<QTreeView *>()) {
        if (!view->objectName().isEmpty())
            settings.setValue(u"headers/"_s + view->objectName(), view->header()->saveState());
    }
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    saveLayout();
    m_closing = true;
    statusBar()->showMessage(tr("Stopping the server…"));
    m_connection->close(); // before the embedded services it talks to go away
    m_controller->shutdown();
    event->accept();
}
