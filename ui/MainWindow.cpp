#include "MainWindow.h"

#include "ServerPage.h"
#include "server/runtime/ServerController.h"

#include <QCloseEvent>
#include <QLabel>
#include <QListWidget>
#include <QSettings>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>

MainWindow::MainWindow(ServerController *controller, QWidget *parent)
    : QMainWindow(parent),
      m_controller(controller),
      m_pageList(new QListWidget),
      m_pages(new QStackedWidget),
      m_serverPage(new ServerPage(controller))
{
    setWindowTitle(tr("Gatehouse"));
    m_pageList->setMaximumWidth(200);
    auto *splitter = new QSplitter;
    splitter->addWidget(m_pageList);
    splitter->addWidget(m_pages);
    splitter->setStretchFactor(1, 1);
    setCentralWidget(splitter);
    connect(m_pageList, &QListWidget::currentRowChanged, m_pages, &QStackedWidget::setCurrentIndex);
    addPage(tr("Server"), m_serverPage);
    m_pageList->setCurrentRow(0);

    auto *status = new QLabel;
    statusBar()->addPermanentWidget(status);
    connect(controller, &ServerController::statusChanged, status, [status](const ServerStatus &s) {
        status->setText(s.url.isEmpty() ? ServerStatus::stateName(s.state)
                                        : ServerStatus::stateName(s.state) + QStringLiteral(" at ") + s.url);
    });

    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("mainWindow/geometry")).toByteArray());
    if (!restoreState(settings.value(QStringLiteral("mainWindow/state")).toByteArray()))
        resize(1000, 700);
}

void MainWindow::addPage(const QString &title, QWidget *page)
{
    m_pageList->addItem(title);
    m_pages->addWidget(page);
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    QSettings settings;
    settings.setValue(QStringLiteral("mainWindow/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("mainWindow/state"), saveState());
    statusBar()->showMessage(tr("Stopping the server…"));
    m_controller->shutdown();
    event->accept();
}
