#include "UserAgentParser.h"

#include <QFile>
#include <QRegularExpression>
#include <QRegularExpressionMatch>
#include <algorithm>
#include <array>
#include <climits>
#include <optional>
#include <string>
#include <yaml-cpp/yaml.h>

using namespace Qt::StringLiterals;

// Thread safety of the shared QRegularExpression objects (read in qtbase
// src/corelib/text/qregularexpression.cpp, Qt 6): match() is const and first calls
// QRegularExpressionPrivate::compilePattern(), which takes the regex's own QMutex and returns at
// once when the pattern is already compiled (isDirty false); PCRE2 compilation and JIT
// compilation happen only inside that lock. Each match then creates its own pcre2 match data
// and match context, and the JIT stack is per thread (QThreadStorage), so concurrent matches
// never share mutable state; the compiled code is only read. Qt's own tst_QRegularExpression::
// threadSafety matches one fresh regex from many threads. We still compile and JIT every regex
// in load(), so the hot path never compiles and an invalid rule fails the load, not a request.
// Nothing in this class is mutable after load(): parse() is safe from any number of threads.

struct UserAgentParser::Rule
{
    QRegularExpression regex;
    // The section's *_replacement values in field order; a null QString is "no replacement".
    std::array<QString, 5> replacements;
};

namespace {

const QString kInvalidCode = u"USER_AGENT_REGEXES_INVALID"_s;
const QString kOther = u"Other"_s;

// The fields of each section, in the order of Rule::replacements.
const std::array<const char *, 5> kBrowserKeys = {
    "family_replacement", "v1_replacement", "v2_replacement", "v3_replacement", "v4_replacement"};
const std::array<const char *, 5> kOsKeys = {"os_replacement", "os_v1_replacement",
                                             "os_v2_replacement", "os_v3_replacement",
                                             "os_v4_replacement"};
const std::array<const char *, 5> kDeviceKeys = {"device_replacement", "brand_replacement",
                                                 "model_replacement", nullptr, nullptr};

Error invalid(const QString &path, const QString &why)
{
    return makeError(kInvalidCode, u"user agent regexes %1: %2"_s.arg(path, why));
}

// Null when the key is absent, YAML null or an empty string: uap-core treats an empty
// replacement as no replacement.
std::optional<QString> optionalScalar(const YAML::Node &entry, const char *key)
{
    const YAML::Node value = entry[key];
    if (!value || value.IsNull())
        return QString();
    if (!value.IsScalar())
        return std::nullopt;
    return QString::fromStdString(value.Scalar());
}

// `$1`…`$9` become the captured groups (empty when the group did not take part, as does `$0`,
// which uap-core never uses), then the result is trimmed; empty means unknown.
QString substitute(const QString &replacement, const QRegularExpressionMatch &match)
{
    QString out;
    out.reserve(replacement.size() + 32);
    const int lastGroup = match.lastCapturedIndex();
    for (qsizetype i = 0; i < replacement.size(); ++i) {
        const QChar c = replacement.at(i);
        if (c == u'$' && i + 1 < replacement.size()) {
            const char16_t digit = replacement.at(i + 1).unicode();
            if (digit >= u'0' && digit <= u'9') {
                const int group = digit - u'0';
                if (group >= 1 && group <= lastGroup)
                    out += match.capturedView(group);
                ++i;
                continue;
            }
        }
        out += c;
    }
    out = std::move(out).trimmed();
    return out.isEmpty() ? QString() : out;
}

// A field without a replacement: the capture group, null when absent or empty.
QString group(const QRegularExpressionMatch &match, int index, bool trim)
{
    if (index > match.lastCapturedIndex())
        return {};
    QString value = match.captured(index);
    if (trim)
        value = std::move(value).trimmed();
    return value.isEmpty() ? QString() : value;
}

QString field(const std::array<QString, 5> &replacements, std::size_t index,
              const QRegularExpressionMatch &match, bool trimGroup)
{
    const QString &replacement = replacements[index];
    if (!replacement.isNull())
        return substitute(replacement, match);
    return group(match, static_cast<int>(index) + 1, trimGroup);
}

// Cut at `limit` code units without splitting a surrogate pair.
QString truncated(QString text, qsizetype limit)
{
    if (text.size() <= limit)
        return text;
    qsizetype end = limit;
    if (text.at(end - 1).isHighSurrogate())
        --end;
    text.truncate(end);
    return text;
}

// The string every regex sees: at most kMaxUserAgentLength code units, and valid UTF-16 (a lone
// surrogate becomes U+FFFD). Validating once here lets every match skip PCRE2's own UTF check,
// which would otherwise rescan the string for each of the ~1,200 regexes.
QString subjectOf(QStringView userAgent)
{
    QString subject = truncated(userAgent.toString(), UserAgentParser::kMaxUserAgentLength);
    for (qsizetype i = 0; i < subject.size(); ++i) {
        const QChar c = subject.at(i);
        if (c.isHighSurrogate() && i + 1 < subject.size() && subject.at(i + 1).isLowSurrogate())
            ++i;
        else if (c.isSurrogate())
            subject[i] = QChar::ReplacementCharacter;
    }
    return subject;
}

template <typename Rule>
const Rule *firstMatch(const std::vector<Rule> &rules, const QString &subject,
                       QRegularExpressionMatch &match)
{
    for (const Rule &rule : rules) {
        match = rule.regex.match(subject, 0, QRegularExpression::NormalMatch,
                                 QRegularExpression::DontCheckSubjectStringMatchOption);
        if (match.hasMatch())
            return &rule;
    }
    return nullptr;
}

QString joined(const QString &first, const QString &second)
{
    if (second.isEmpty())
        return first;
    return first + u' ' + second;
}

} // namespace

UserAgentParser::UserAgentParser() = default;
UserAgentParser::~UserAgentParser() = default;

QString UserAgentParser::defaultPath()
{
    return u"/usr/share/uap-core/regexes.yaml"_s;
}

Result<std::shared_ptr<const UserAgentParser>> UserAgentParser::load(const QString &regexesYaml)
{
    QFile file(regexesYaml);
    if (!file.open(QIODevice::ReadOnly))
        return invalid(regexesYaml, u"cannot read the file (%1)"_s.arg(file.errorString()));
    const QByteArray bytes = file.readAll();

    YAML::Node root;
    try {
        root = YAML::Load(bytes.toStdString());
    } catch (const YAML::Exception &e) {
        // yaml-cpp reports errors by exception; it stops here, at the module boundary.
        return invalid(regexesYaml, u"not valid YAML: %1"_s.arg(QString::fromStdString(e.what())));
    }
    if (!root.IsMap())
        return invalid(regexesYaml, u"the document is not a mapping"_s);

    std::shared_ptr<UserAgentParser> parser(new UserAgentParser);
    struct Section
    {
        const char *name;
        const std::array<const char *, 5> &keys;
        std::vector<Rule> &rules;
    };
    const std::array<Section, 3> sections = {
        {{"user_agent_parsers", kBrowserKeys, parser->m_browserRules},
         {"os_parsers", kOsKeys, parser->m_osRules},
         {"device_parsers", kDeviceKeys, parser->m_deviceRules}}};
    for (const Section &section : sections) {
        const QString sectionName = QString::fromLatin1(section.name);
        const YAML::Node list = root[section.name];
        if (!list || !list.IsSequence() || list.size() == 0)
            return invalid(regexesYaml, u"no %1 list"_s.arg(sectionName));
        section.rules.reserve(list.size());
        for (std::size_t i = 0; i < list.size(); ++i) {
            const YAML::Node entry = list[i];
            const QString where = u"%1[%2]"_s.arg(sectionName).arg(i);
            if (!entry.IsMap())
                return invalid(regexesYaml, where + u" is not a mapping"_s);
            const std::optional<QString> pattern = optionalScalar(entry, "regex");
            if (!pattern || pattern->isEmpty())
                return invalid(regexesYaml, where + u" has no regex"_s);

            Rule rule;
            for (std::size_t k = 0; k < section.keys.size(); ++k) {
                if (!section.keys[k])
                    continue;
                const std::optional<QString> value = optionalScalar(entry, section.keys[k]);
                if (!value)
                    return invalid(regexesYaml, u"%1.%2 is not a string"_s.arg(
                                                    where, QString::fromLatin1(section.keys[k])));
                rule.replacements[k] = value->isEmpty() ? QString() : *value;
            }

            QRegularExpression::PatternOptions options;
            const std::optional<QString> flag = optionalScalar(entry, "regex_flag");
            if (flag && *flag == u"i"_s)
                options |= QRegularExpression::CaseInsensitiveOption;
            else if (!flag || !flag->isEmpty())
                return invalid(regexesYaml, where + u" has an unknown regex_flag"_s);

            rule.regex = QRegularExpression(*pattern, options);
            // Compiles and JIT-compiles now, under the regex's own lock (see the top).
            rule.regex.optimize();
            if (!rule.regex.isValid())
                return invalid(regexesYaml, u"%1: the regex /%2/ is invalid at offset %3: %4"_s
                                                .arg(where, *pattern)
                                                .arg(rule.regex.patternErrorOffset())
                                                .arg(rule.regex.errorString()));
            section.rules.push_back(std::move(rule));
        }
    }
    return std::shared_ptr<const UserAgentParser>(std::move(parser));
}

qsizetype UserAgentParser::ruleCount() const
{
    return qsizetype(m_browserRules.size() + m_osRules.size() + m_deviceRules.size());
}

UserAgent UserAgentParser::parseBrowser(QStringView userAgent) const
{
    return browserOf(subjectOf(userAgent));
}

OperatingSystem UserAgentParser::parseOs(QStringView userAgent) const
{
    return osOf(subjectOf(userAgent));
}

Device UserAgentParser::parseDevice(QStringView userAgent) const
{
    return deviceOf(subjectOf(userAgent));
}

ParsedUserAgent UserAgentParser::parse(QStringView userAgent) const
{
    // Truncated and validated once for the three lists.
    const QString subject = subjectOf(userAgent);
    return {browserOf(subject), osOf(subject), deviceOf(subject)};
}

UserAgent UserAgentParser::browserOf(const QString &subject) const
{
    QRegularExpressionMatch match;
    const Rule *rule = firstMatch(m_browserRules, subject, match);
    if (!rule)
        return {kOther, {}, {}, {}};
    // Browser groups are taken as captured (uap-python): only replacements are trimmed.
    UserAgent result{
        field(rule->replacements, 0, match, false), field(rule->replacements, 1, match, false),
        field(rule->replacements, 2, match, false), field(rule->replacements, 3, match, false)};
    if (result.family.isNull())
        result.family = kOther;
    return result;
}

OperatingSystem UserAgentParser::osOf(const QString &subject) const
{
    QRegularExpressionMatch match;
    const Rule *rule = firstMatch(m_osRules, subject, match);
    if (!rule)
        return {kOther, {}, {}, {}, {}};
    OperatingSystem result{
        field(rule->replacements, 0, match, true), field(rule->replacements, 1, match, true),
        field(rule->replacements, 2, match, true), field(rule->replacements, 3, match, true),
        field(rule->replacements, 4, match, true)};
    if (result.family.isNull())
        result.family = kOther;
    return result;
}

Device UserAgentParser::deviceOf(const QString &subject) const
{
    QRegularExpressionMatch match;
    const Rule *rule = firstMatch(m_deviceRules, subject, match);
    if (!rule)
        return {kOther, {}, {}};
    const auto &replacements = rule->replacements;
    Device result{field(replacements, 0, match, true),
                  replacements[1].isNull() ? QString() : substitute(replacements[1], match),
                  // The model defaults to $1 like the family, not to $3.
                  replacements[2].isNull() ? group(match, 1, true)
                                           : substitute(replacements[2], match)};
    if (result.family.isNull())
        result.family = kOther;
    return result;
}

QString ParsedUserAgent::browserLabel() const
{
    if (browser.family.isEmpty())
        return kOther;
    return truncated(joined(browser.family, browser.major), kMaxLabelLength);
}

QString ParsedUserAgent::osLabel() const
{
    if (os.family.isEmpty())
        return kOther;
    QString version = os.major;
    if (!version.isEmpty() && !os.minor.isEmpty()) {
        version += u'.';
        version += os.minor;
    }
    return truncated(joined(os.family, version), kMaxLabelLength);
}

QString ParsedUserAgent::deviceLabel() const
{
    // uap-core's device family already reads "Brand Model" ("Samsung SM-G991B", "iPhone").
    if (device.family.isEmpty())
        return kOther;
    return truncated(device.family, kMaxLabelLength);
}

CachedUserAgentParser::CachedUserAgentParser(std::shared_ptr<const UserAgentParser> parser,
                                             int capacity)
    : m_parser(std::move(parser)), m_capacity(std::max(capacity, 1))
{
    Q_ASSERT(m_parser);
    m_index.reserve(m_capacity);
}

ParsedUserAgent CachedUserAgentParser::parse(const QString &userAgent)
{
    // Keyed by what the parser sees, so a huge header cannot make a huge cache entry.
    const QString key = truncated(userAgent, UserAgentParser::kMaxUserAgentLength);
    const auto found = m_index.constFind(key);
    if (found != m_index.cend()) {
        ++m_hits;
        m_entries.splice(m_entries.begin(), m_entries, found.value());
        return m_entries.front().second;
    }
    ++m_misses;
    ParsedUserAgent parsed = m_parser->parse(key);
    if (int(m_entries.size()) >= m_capacity) {
        m_index.remove(m_entries.back().first);
        m_entries.pop_back();
    }
    m_entries.emplace_front(key, parsed);
    m_index.insert(key, m_entries.begin());
    return parsed;
}

int CachedUserAgentParser::hits() const
{
    return int(std::min<qint64>(m_hits, INT_MAX));
}

int CachedUserAgentParser::misses() const
{
    return int(std::min<qint64>(m_misses, INT_MAX));
}

int CachedUserAgentParser::size() const
{
    return int(m_entries.size());
}
