#include "SettingsPage.h"

#include "ConfigFileEditor.h"
#include "server/config/ConfigSchema.h"
#include "server/secrets/SecretStore.h"

#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollArea>
#include <QStandardPaths>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace {

// Which group an option belongs to, by its key. Unknown keys land in "Other", so a new option
// is never missing from the page, only perhaps in a less fitting box.
QString groupOf(const QString &key)
{
    struct Rule
    {
        const char16_t *prefix;
        const char *group;
    };
    static const Rule rules[] = {
        {u"database-url", QT_TR_NOOP("Database and Redis")},
        {u"redis-url", QT_TR_NOOP("Database and Redis")},
        {u"rp-", QT_TR_NOOP("Passkeys (WebAuthn)")},
        {u"webauthn-", QT_TR_NOOP("Passkeys (WebAuthn)")},
        {u"passkey-", QT_TR_NOOP("Passkeys (WebAuthn)")},
        {u"origins", QT_TR_NOOP("Sessions and tokens")},
        {u"public-url", QT_TR_NOOP("Sessions and tokens")},
        {u"session-", QT_TR_NOOP("Sessions and tokens")},
        {u"access-token-", QT_TR_NOOP("Sessions and tokens")},
        {u"jwt-", QT_TR_NOOP("Sessions and tokens")},
        {u"token-", QT_TR_NOOP("Sessions and tokens")},
        {u"oauth-", QT_TR_NOOP("OAuth providers")},
        {u"oidc-", QT_TR_NOOP("OAuth providers")},
        {u"smtp-", QT_TR_NOOP("Email (SMTP)")},
        {u"mail-", QT_TR_NOOP("Email (SMTP)")},
        {u"sms-", QT_TR_NOOP("SMS gateway")},
        {u"phone-", QT_TR_NOOP("SMS gateway")},
        {u"totp-", QT_TR_NOOP("TOTP")},
        {u"rate-limit-", QT_TR_NOOP("Rate limits")},
        {u"max-", QT_TR_NOOP("HTTP limits")},
        {u"header-timeout", QT_TR_NOOP("HTTP limits")},
        {u"body-timeout", QT_TR_NOOP("HTTP limits")},
        {u"idle-timeout", QT_TR_NOOP("HTTP limits")},
        {u"trusted-proxies", QT_TR_NOOP("HTTP limits")},
        {u"tls-", QT_TR_NOOP("HTTP limits")},
        {u"geoip-", QT_TR_NOOP("Locations")},
    };
    for (const Rule &rule : rules) {
        if (key.startsWith(QStringView(rule.prefix)))
            return QObject::tr(rule.group);
    }
    static const QStringList server = {u"listen"_s, u"workers"_s, u"shutdown-timeout"_s,
                                       u"data-dir"_s, u"service-user"_s, u"log-format"_s,
                                       u"log-level"_s, u"secret-store"_s};
    return server.contains(key) ? QObject::tr("Server") : QObject::tr("Other");
}

} // namespace

QStringList SettingsPage::secretNames()
{
    QStringList names = {u"smtp-password"_s, u"sms-auth-token"_s};
    static const QRegularExpression clientId(u"^oauth-([a-z0-9-]+)-client-id$"_s);
    for (const ConfigSchema::Option &option : ConfigSchema::options()) {
        const auto match = clientId.match(option.key);
        if (match.hasMatch())
            names.append(u"oauth-"_s + match.captured(1) + u"-client-secret"_s);
    }
    return names;
}

QString SettingsPage::defaultConfigPath()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation) + u"/gatehouse.conf"_s;
}

SettingsPage::SettingsPage(QString configPath, SecretStoreProvider secrets, QWidget *parent)
    : QWidget(parent),
      m_path(std::move(configPath)),
      m_secrets(std::move(secrets)),
      m_search(new QLineEdit),
      m_message(new QLabel),
      m_file(new QLabel),
      m_save(new QPushButton(tr("&Save"))),
      m_revert(new QPushButton(tr("&Revert")))
{
    build();
    reload();
}

SettingsPage::~SettingsPage() = default;

void SettingsPage::build()
{
    m_search->setObjectName(u"filter"_s);
    m_search->setPlaceholderText(tr("Find an option…"));
    m_search->setClearButtonEnabled(true);
    m_file->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *content = new QWidget;
    auto *columns = new QVBoxLayout(content);
    QMap<QString, QFormLayout *> forms;
    QStringList order;
    auto formFor = [&](const QString &group) {
        if (!forms.contains(group)) {
            auto *box = new QGroupBox(group);
            forms.insert(group, new QFormLayout(box));
            columns->addWidget(box);
            order.append(group);
        }
        return forms.value(group);
    };
    // Fixed group order first, so the page reads top-down the way an administrator sets up.
    for (const QString &group : {tr("Server"), tr("Database and Redis"), tr("Sessions and tokens"),
                                 tr("Passkeys (WebAuthn)"), tr("OAuth providers"), tr("Email (SMTP)"),
                                 tr("SMS gateway"), tr("Rate limits")})
        formFor(group);

    for (const ConfigSchema::Option &option : ConfigSchema::options()) {
        if (option.key == u"config")
            continue; // this page edits that file; it cannot name another
        QWidget *editor = nullptr;
        if (option.type == ConfigSchema::Type::Enum) {
            auto *combo = new QComboBox;
            combo->addItem(tr("default (%1)").arg(option.defaultText), QString());
            for (const QString &value : option.allowed)
                combo->addItem(value, value);
            editor = combo;
        } else {
            auto *edit = new QLineEdit;
            edit->setPlaceholderText(option.defaultText);
            editor = edit;
        }
        editor->setObjectName(option.key);
        editor->setToolTip(option.help + u"\n"_s + tr("Flag --%1, environment %2")
                                                       .arg(option.key, ConfigSchema::environmentName(option.key)));
        m_editors.insert(option.key, editor);
        QFormLayout *form = formFor(groupOf(option.key));
        auto *label = new QLabel(option.key + u':');
        label->setToolTip(editor->toolTip());
        form->addRow(label, editor);
        m_rows.append({form, option.key});
    }
    for (const QString &name : secretNames()) {
        auto *edit = new QLineEdit;
        edit->setObjectName(name);
        edit->setEchoMode(QLineEdit::Password);
        edit->setPlaceholderText(tr("unchanged (kept in the keychain)"));
        edit->setToolTip(tr("Stored in the secret store as \"%1\", never in the config file. "
                            "Leave empty to keep the current value.")
                             .arg(name));
        m_secretEditors.insert(name, edit);
        m_editors.insert(name, edit);
        QFormLayout *form = formFor(groupOf(name));
        form->addRow(name + tr(" (secret):"), edit);
        m_rows.append({form, name});
    }
    // Groups that got no options (a module not built yet) are not shown empty.
    for (const QString &group : std::as_const(order)) {
        QFormLayout *form = forms.value(group);
        if (form->rowCount() == 0)
            form->parentWidget()->hide();
    }
    columns->addStretch();

    auto *scroll = new QScrollArea;
    scroll->setWidget(content);
    scroll->setWidgetResizable(true);

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_file, 1);
    buttons->addWidget(m_revert);
    buttons->addWidget(m_save);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_search);
    layout->addWidget(scroll, 1);
    layout->addWidget(m_message);
    layout->addLayout(buttons);

    connect(m_search, &QLineEdit::textChanged, this, &SettingsPage::applySearch);
    connect(m_save, &QPushButton::clicked, this, [this] { (void)save(); });
    connect(m_revert, &QPushButton::clicked, this, &SettingsPage::reload);
}

void SettingsPage::reload()
{
    m_file->setText(tr("File: %1 (used at the next start)").arg(m_path));
    auto editor = ConfigFileEditor::open(m_path);
    if (!editor) {
        showMessage(editor.error().message, true);
        return;
    }
    const QMap<QString, QString> values = editor->values();
    for (auto it = m_editors.cbegin(); it != m_editors.cend(); ++it) {
        if (m_secretEditors.contains(it.key()))
            qobject_cast<QLineEdit *>(it.value())->clear();
        else
            setValue(it.key(), values.value(it.key()));
    }
    showMessage(QString(), false);
}

void SettingsPage::setValue(const QString &key, const QString &value)
{
    QWidget *widget = m_editors.value(key);
    if (auto *edit = qobject_cast<QLineEdit *>(widget)) {
        edit->setText(value);
    } else if (auto *combo = qobject_cast<QComboBox *>(widget)) {
        int index = combo->findData(value.toLower());
        if (index < 0) { // a value the schema no longer allows: shown, so saving reports it
            combo->addItem(value, value);
            index = combo->count() - 1;
        }
        combo->setCurrentIndex(index);
    }
}

QString SettingsPage::valueOf(const QString &key) const
{
    QWidget *widget = m_editors.value(key);
    if (auto *edit = qobject_cast<QLineEdit *>(widget))
        return edit->text().trimmed();
    if (auto *combo = qobject_cast<QComboBox *>(widget))
        return combo->currentData().toString();
    return {};
}

Status SettingsPage::save()
{
    auto editor = ConfigFileEditor::open(m_path);
    if (!editor) {
        showMessage(editor.error().message, true);
        return editor.error();
    }
    for (auto it = m_editors.cbegin(); it != m_editors.cend(); ++it) {
        if (!m_secretEditors.contains(it.key()))
            editor->set(it.key(), valueOf(it.key()));
    }
    // Everything is checked before anything is written: the file by the loader, the secrets by
    // the store's own rules.
    if (Status valid = editor->validate(); !valid) {
        showMessage(tr("Not saved: %1").arg(valid.error().message), true);
        return valid;
    }
    QMap<QString, QByteArray> secrets;
    for (auto it = m_secretEditors.cbegin(); it != m_secretEditors.cend(); ++it) {
        const QString text = it.value()->text();
        if (text.isEmpty())
            continue;
        if (Status ok = SecretStore::checkValue(it.key(), text.toUtf8()); !ok) {
            showMessage(tr("Not saved: %1: %2").arg(it.key(), ok.error().message), true);
            return ok;
        }
        secrets.insert(it.key(), text.toUtf8());
    }
    if (!secrets.isEmpty()) {
        auto store = m_secrets ? m_secrets()
                               : Result<std::unique_ptr<SecretStore>>(makeError(
                                     QString(SecretStore::kUnavailable), tr("no secret store")));
        if (!store) {
            showMessage(tr("Not saved: the secret store is unavailable: %1").arg(store.error().message), true);
            return store.error();
        }
        for (auto it = secrets.cbegin(); it != secrets.cend(); ++it) {
            if (Status written = (*store)->write(it.key(), it.value()); !written) {
                showMessage(tr("Not saved: %1: %2").arg(it.key(), written.error().message), true);
                return written;
            }
        }
    }
    if (Status saved = editor->save(); !saved) {
        showMessage(tr("Not saved: %1").arg(saved.error().message), true);
        return saved;
    }
    for (QLineEdit *edit : std::as_const(m_secretEditors))
        edit->clear();
    showMessage(tr("Saved to %1%2. The server uses the new settings after its next start.")
                    .arg(m_path,
                         secrets.isEmpty() ? QString()
                                           : tr(" (%n secret(s) to the secret store)", nullptr,
                                                int(secrets.size()))),
                false);
    return {};
}

void SettingsPage::focusFilter()
{
    m_search->setFocus(Qt::ShortcutFocusReason);
    m_search->selectAll();
}

void SettingsPage::applySearch(const QString &text)
{
    const QString needle = text.trimmed();
    for (const auto &[form, key] : std::as_const(m_rows)) {
        QWidget *editor = m_editors.value(key);
        const bool match = needle.isEmpty() || key.contains(needle, Qt::CaseInsensitive) ||
                           editor->toolTip().contains(needle, Qt::CaseInsensitive);
        form->setRowVisible(editor, match);
    }
}

QString SettingsPage::messageText() const { return m_message->text(); }

void SettingsPage::showMessage(const QString &text, bool error)
{
    m_message->setText(text);
    m_message->setVisible(!text.isEmpty());
    m_message->setStyleSheet(error ? u"color: #b00020; font-weight: bold"_s : QString());
}
