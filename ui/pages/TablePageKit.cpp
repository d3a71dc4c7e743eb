#include "TablePageKit.h"

#include "models/console/KeysetTableModel.h"

#include <QApplication>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QMessageBox>
#include <QSettings>
#include <QTableView>

namespace TablePageKit {

namespace {
bool g_confirmations = true;
}

QTableView *makeTable(KeysetTableModel *model, const QString &key, QWidget *parent)
{
    auto *view = new QTableView(parent);
    view->setModel(model);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    view->setAlternatingRowColors(true);
    view->setWordWrap(false);
    view->verticalHeader()->hide();
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 6);
    view->horizontalHeader()->setSectionsMovable(true);
    view->horizontalHeader()->setStretchLastSection(true);
    const QString settingsKey = QStringLiteral("tables/") + key + QStringLiteral("/header");
    const QByteArray state = QSettings().value(settingsKey).toByteArray();
    // Sorting is the model's (SQL): restore the header, then tell the model what it shows.
    if (!state.isEmpty() && view->horizontalHeader()->restoreState(state)) {
        const int column = view->horizontalHeader()->sortIndicatorSection();
        const Qt::SortOrder order = view->horizontalHeader()->sortIndicatorOrder();
        model->sort(column, order);
    } else {
        view->horizontalHeader()->setSortIndicator(model->sortColumn(), model->sortOrder());
    }
    view->setSortingEnabled(true);
    // setSortingEnabled sorts by the indicator: the model ignores a sort it already has.
    auto save = [view, settingsKey] {
        QSettings().setValue(settingsKey, view->horizontalHeader()->saveState());
    };
    QObject::connect(view->horizontalHeader(), &QHeaderView::sectionResized, view, save);
    QObject::connect(view->horizontalHeader(), &QHeaderView::sectionMoved, view, save);
    QObject::connect(view->horizontalHeader(), &QHeaderView::sortIndicatorChanged, view, save);
    return view;
}

void bindCount(KeysetTableModel *model, QLabel *label, const QString &noun)
{
    QObject::connect(model, &KeysetTableModel::totalChanged, label, [label, noun](qint64 total, bool exact) {
        const QString number = QLocale().toString(total);
        label->setText(exact ? QObject::tr("%1 %2").arg(number, noun)
                             : QObject::tr("more than %1 %2").arg(number, noun));
    });
}

void showError(QWidget *parent, const QString &action, const Error &error)
{
    QMessageBox box(QMessageBox::Warning, QObject::tr("Gatehouse"), action, QMessageBox::Ok, parent);
    box.setInformativeText(error.message.isEmpty() ? error.code : error.message);
    box.setDetailedText(error.code);
    if (!g_confirmations) {
        qWarning("%s: %s", qPrintable(action), qPrintable(error.message)); // tests: nobody to click OK
        return;
    }
    box.exec();
}

bool confirm(QWidget *parent, const QString &title, const QString &question)
{
    if (!g_confirmations)
        return true;
    return QMessageBox::question(parent, title, question, QMessageBox::Yes | QMessageBox::No,
                                 QMessageBox::No) == QMessageBox::Yes;
}

void inform(QWidget *parent, const QString &text)
{
    if (g_confirmations)
        QMessageBox::information(parent, QObject::tr("Gatehouse"), text);
}

void setConfirmationsEnabled(bool enabled)
{
    g_confirmations = enabled;
}

BusyCursor::BusyCursor()
{
    QApplication::setOverrideCursor(Qt::WaitCursor);
}

BusyCursor::~BusyCursor()
{
    QApplication::restoreOverrideCursor();
}

} // namespace TablePageKit
