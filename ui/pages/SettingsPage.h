#pragma once

#include "models/common/Result.h"

#include <QMap>
#include <QWidget>

#include <functional>
#include <memory>

class QFormLayout;
class QLabel;
class QLineEdit;
class QPushButton;
class SecretStore;

// Settings: a form over the config file the console uses, built from ConfigSchema's table (so
// an option another module adds appears here by itself, in its group, with its help as the
// tool tip). Saving runs the new file through ConfigLoader first: a bad value is refused with
// the loader's message naming the option, and nothing is written. Passwords and tokens (SMTP
// password, SMS token, OAuth client secrets) are never in the file: they go to the secret
// store the server reads them from (the desktop keychain, through the SecretStore interface).
// Changes take effect at the next start of the server.
class SettingsPage : public QWidget
{
    Q_OBJECT
public:
    using SecretStoreProvider = std::function<Result<std::unique_ptr<SecretStore>>()>;

    // The secret names the page offers, from the schema: smtp-password and sms-auth-token,
    // and oauth-<name>-client-secret for every oauth-<name>-client-id option.
    static QStringList secretNames();
    // The console's own config file when none is named (--config, GATEHOUSE_CONFIG):
    // <AppConfigLocation>/gatehouse.conf, e.g. ~/.config/Gatehouse/gatehouse/gatehouse.conf.
    // main() reads it when it exists, so what this page saves is what the console starts with.
    static QString defaultConfigPath();

    SettingsPage(QString configPath, SecretStoreProvider secrets, QWidget *parent = nullptr);
    ~SettingsPage() override;

    void reload();      // F5: the file's values into the form
    Status save();      // validates, writes secrets, writes the file; shows the outcome
    void focusFilter(); // Ctrl+F: the option search

    // For tests: the editor of an option or secret (a QLineEdit or QComboBox), by key.
    QWidget *editor(const QString &key) const { return m_editors.value(key); }
    void setValue(const QString &key, const QString &value);
    QString messageText() const;
    QString configPath() const { return m_path; }

private:
    void build();
    QString valueOf(const QString &key) const;
    void applySearch(const QString &text);
    void showMessage(const QString &text, bool error);

    QString m_path;
    SecretStoreProvider m_secrets;
    QMap<QString, QWidget *> m_editors;        // key → QLineEdit / QComboBox
    QMap<QString, QLineEdit *> m_secretEditors; // secret name → password field
    QList<QPair<QFormLayout *, QString>> m_rows; // for the search: form and key per row
    QLineEdit *m_search;
    QLabel *m_message;
    QLabel *m_file;
    QPushButton *m_save;
    QPushButton *m_revert;
};
