#pragma once

#include "models/common/Result.h"

#include <QString>

class KeysetTableModel;
class QLabel;
class QTableView;
class QWidget;

// What the console's table pages share: a table view over a keyset model that remembers its
// column widths and sort (QSettings), error dialogs that name what failed, and a busy cursor.
namespace TablePageKit {

// A sortable, row-selecting table for the model; header state restored from and saved to
// QSettings under "tables/{key}".
QTableView *makeTable(KeysetTableModel *model, const QString &key, QWidget *parent);
// "1,234 sessions" / "about 1,000,000 sessions" under the table.
void bindCount(KeysetTableModel *model, QLabel *label, const QString &noun);
// A modal error naming the action and the object it failed on; the detail is the error message.
void showError(QWidget *parent, const QString &action, const Error &error);
// Whether the user confirmed (Yes); always true when confirmations are off (tests).
bool confirm(QWidget *parent, const QString &title, const QString &question);
void setConfirmationsEnabled(bool enabled);
// A modal notice (skipped when confirmations are off).
void inform(QWidget *parent, const QString &text);

// Shows the wait cursor while alive (database work on the GUI thread).
class BusyCursor
{
public:
    BusyCursor();
    ~BusyCursor();
    BusyCursor(const BusyCursor &) = delete;
    BusyCursor &operator=(const BusyCursor &) = delete;
};

} // namespace TablePageKit
