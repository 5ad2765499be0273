#include "config/schema.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <tuple>

#include "config/messages.h"

namespace config {

namespace {

using FilePtr = std::shared_ptr<const hcl::SourceFile>;

// What a block may contain. `any_attribute` is for bodies whose attribute
// names are the user's (locals, matrix axes).
struct BodySchema {
  std::string_view where;  // "an exec block", for messages
  std::vector<std::string> attributes;
  std::vector<std::string> blocks;
  bool any_attribute = false;
};

const BodySchema kTopLevel{"the top level", {}, {"variable", "input", "locals", "pipeline", "schedule"}};
const BodySchema kVariable{"a variable block", {"default", "description"}, {}};
const BodySchema kInput{"an input block", {"type", "options", "default", "description"}, {}};
const BodySchema kLocals{"a locals block", {}, {}, true};
const BodySchema kPipeline{"a pipeline block",
                           {"depends_on", "env", "timeout", "workspace", "concurrency", "cancel_in_progress",
                            "environment"},
                           {"filter", "matrix", "cache", "service", "stage"}};
const BodySchema kFilter{"a filter block", {"events", "branches", "tags", "paths", "schedules"}, {}};
const BodySchema kMatrix{"a matrix block", {}, {}, true};
// The matrix attributes that are not axes but lists of combinations.
constexpr std::string_view kExclude = "exclude";
constexpr std::string_view kInclude = "include";
const BodySchema kStage{"a stage block", {"when"}, {"exec"}};
const BodySchema kService{"a service block", {"image", "command", "run", "env", "ports"}, {"ready"}};
const BodySchema kReady{"a ready block", {"port", "run", "timeout"}, {}};
const BodySchema kExec{"an exec block",
                       {"run", "image", "env", "timeout", "retry", "allow_failure", "when", "artifacts",
                        "artifacts_when", "needs_artifacts", "reports"},
                       {"cache"}};
const BodySchema kCache{"a cache block", {"key", "paths", "restore_keys"}, {}};
const BodySchema kSchedule{"a schedule block", {"cron", "branch", "timezone"}, {}};

std::string capitalized(std::string_view text) {
  std::string out(text);
  if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

bool contains(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::vector<std::string> all_names(const BodySchema& schema) {
  std::vector<std::string> names = schema.attributes;
  names.insert(names.end(), schema.blocks.begin(), schema.blocks.end());
  return names;
}

void report_unknown_attribute(const hcl::Attribute& attr, const FilePtr& file, const BodySchema& schema,
                              hcl::Diagnostics& diags) {
  std::string name(file->slice(attr.name_span));
  if (contains(schema.blocks, name)) {
    report(diags, {file, attr.name_span}, "\"" + name + "\" is a block, not an attribute",
           "Write it as a block: " + name + " { ... }");
    return;
  }
  std::string allowed = schema.attributes.empty() ? "no attributes" : "the attributes " + join_names(schema.attributes);
  report(diags, {file, attr.name_span}, "Unknown attribute \"" + name + "\" in " + std::string(schema.where),
         capitalized(schema.where) + " takes " + allowed + "." + did_you_mean(name, all_names(schema)));
}

void report_unknown_block(const hcl::Block& block, const FilePtr& file, const BodySchema& schema,
                          hcl::Diagnostics& diags) {
  std::string type(file->slice(block.type_span));
  if (contains(schema.attributes, type)) {
    report(diags, {file, block.type_span}, "\"" + type + "\" is an attribute, not a block",
           "Write it as an attribute: " + type + " = ...");
    return;
  }
  std::string allowed = schema.blocks.empty() ? "no blocks" : "the blocks " + join_names(schema.blocks);
  report(diags, {file, block.type_span}, "Unknown block \"" + type + "\" in " + std::string(schema.where),
         capitalized(schema.where) + " holds " + allowed + "." + did_you_mean(type, all_names(schema)));
}

// Reports every attribute and block the schema does not know.
void check_body(const hcl::Body& body, const FilePtr& file, const BodySchema& schema, hcl::Diagnostics& diags) {
  if (!schema.any_attribute)
    for (const auto& attr : body.attributes())
      if (!contains(schema.attributes, file->slice(attr.name_span)))
        report_unknown_attribute(attr, file, schema, diags);
  for (const auto& block : body.blocks())
    if (!contains(schema.blocks, file->slice(block.type_span))) report_unknown_block(block, file, schema, diags);
}

// "A stage", "An exec": the article a block type takes in a sentence.
std::string with_article(const std::string& word) {
  const bool vowel = !word.empty() && std::string_view{"aeiouAEIOU"}.find(word.front()) != std::string_view::npos;
  return (vowel ? "An " : "A ") + word;
}

// The block's name when it has exactly the one label it needs. Extra labels
// are reported and ignored; a missing or empty name drops the block.
std::optional<std::string> name_label(const hcl::Block& block, const FilePtr& file, hcl::Diagnostics& diags) {
  std::string type(file->slice(block.type_span));
  const hcl::List<hcl::Label> labels = block.labels();
  if (labels.empty()) {
    report(diags, {file, block.type_span}, "Missing name for " + type + " block",
           with_article(type) + " block needs one label, its name: " + type + " \"name\" { ... }");
    return std::nullopt;
  }
  for (uint32_t i = 1; i < labels.size; ++i)
    report(diags, {file, labels[i].span}, "Extra label for " + type + " block",
           with_article(type) + " block has exactly one label, its name.");
  std::string_view name = file->text(labels[0].value);
  if (name.empty()) {
    report(diags, {file, labels[0].span}, "Empty name for " + type + " block",
           "Give the " + type + " a name that says what it is.");
    return std::nullopt;
  }
  return std::string(name);
}

void check_no_labels(const hcl::Block& block, const FilePtr& file, hcl::Diagnostics& diags) {
  std::string type(file->slice(block.type_span));
  for (const auto& label : block.labels())
    report(diags, {file, label.span}, "Unexpected label for " + type + " block",
           with_article(type) + " block takes no label: " + type + " { ... }");
}

// Remembers the names defined in one scope and reports a second definition
// with the place of the first.
class NameRegistry {
 public:
  // `within` says where names must be unique: "in pipeline \"p\"".
  explicit NameRegistry(std::string kind, std::string within = "")
      : kind_(std::move(kind)), within_(std::move(within)) {}

  bool add(const std::string& name, const Origin& origin, hcl::Diagnostics& diags) {
    auto [it, inserted] = seen_.emplace(name, origin);
    if (!inserted)
      report(diags, origin, "Duplicate " + kind_ + " \"" + name + "\"" + within_,
             with_article(kind_) + " \"" + name + "\" is already defined at " + place(it->second) + "; names must be unique.");
    return inserted;
  }

 private:
  std::string kind_;
  std::string within_;
  std::map<std::string, Origin> seen_;
};

// The first block of `type` in the body of a `holder` block; a second one is an error.
const hcl::Block* single_block(const hcl::Body& body, std::string_view type, const FilePtr& file,
                               hcl::Diagnostics& diags, std::string_view holder = "pipeline") {
  const hcl::Block* found = nullptr;
  for (const auto& block : body.blocks()) {
    if (file->slice(block.type_span) != type) continue;
    if (found) {
      report(diags, {file, block.type_span}, "Duplicate " + std::string(type) + " block",
             with_article(std::string(holder)) + " has at most one " + std::string(type) + " block; the first is at " +
                 place({file, found->type_span}) + ".");
      continue;
    }
    check_no_labels(block, file, diags);
    found = &block;
  }
  return found;
}

Expression expression(const hcl::Body& body, std::string_view name, const FilePtr& file) {
  const hcl::Attribute* attr = body.attribute(*file, name);
  return attr ? Expression{attr->expr, file} : Expression{};
}

class Decoder {
 public:
  Decoder(Configuration& cfg, hcl::Diagnostics& diags) : cfg_(cfg), diags_(diags) {}

  void file(const hcl::File& file) {
    const FilePtr& source = file.source;
    if (!file.body) return;
    check_body(*file.body, source, kTopLevel, diags_);
    for (const auto& block : file.body->blocks()) {
      std::string_view type = source->slice(block.type_span);
      if (type == "variable") variable(block, source);
      if (type == "input") input(block, source);
      if (type == "locals") locals(block, source);
      if (type == "pipeline") pipeline(block, source);
      if (type == "schedule") schedule(block, source);
    }
  }

 private:
  void variable(const hcl::Block& block, const FilePtr& file) {
    check_body(block.body, file, kVariable, diags_);
    auto name = name_label(block, file, diags_);
    if (!name || !variables_.add(*name, {file, block.labels()[0].span}, diags_)) return;
    cfg_.variables.push_back({*name, expression(block.body, "default", file),
                              expression(block.body, "description", file), {file, block.labels()[0].span}});
  }

  void input(const hcl::Block& block, const FilePtr& file) {
    check_body(block.body, file, kInput, diags_);
    auto name = name_label(block, file, diags_);
    if (!name || !inputs_.add(*name, {file, block.labels()[0].span}, diags_)) return;
    Input input;
    input.name = *name;
    input.origin = {file, block.labels()[0].span};
    input.type_expr = expression(block.body, "type", file);
    input.options_expr = expression(block.body, "options", file);
    input.default_expr = expression(block.body, "default", file);
    input.description_expr = expression(block.body, "description", file);
    cfg_.inputs.push_back(std::move(input));
  }

  void locals(const hcl::Block& block, const FilePtr& file) {
    check_no_labels(block, file, diags_);
    check_body(block.body, file, kLocals, diags_);
    for (const auto& attr : block.body.attributes()) {
      std::string name(file->slice(attr.name_span));
      if (locals_.add(name, {file, attr.name_span}, diags_))
        cfg_.locals.push_back({name, {attr.expr, file}, {file, attr.name_span}});
    }
  }

  void pipeline(const hcl::Block& block, const FilePtr& file) {
    check_body(block.body, file, kPipeline, diags_);
    auto name = name_label(block, file, diags_);
    if (!name || !pipelines_.add(*name, {file, block.labels()[0].span}, diags_)) return;
    const hcl::Body& body = block.body;
    Pipeline p;
    p.name = *name;
    p.origin = {file, block.labels()[0].span};
    p.depends_on = expression(body, "depends_on", file);
    p.env = expression(body, "env", file);
    p.timeout = expression(body, "timeout", file);
    p.workspace = expression(body, "workspace", file);
    p.concurrency = expression(body, "concurrency", file);
    p.cancel_in_progress = expression(body, "cancel_in_progress", file);
    p.environment = expression(body, "environment", file);
    if (p.cancel_in_progress.given() && !p.concurrency.given())
      report(diags_, p.cancel_in_progress.origin(), "cancel_in_progress without concurrency",
             "cancel_in_progress says what a newer pipeline of the same concurrency group does to the running one; "
             "give the group too, e.g. concurrency = \"deploy-${event.branch}\"");
    if (const hcl::Block* filter = single_block(body, "filter", file, diags_)) p.filter = decode_filter(*filter, file);
    if (const hcl::Block* matrix = single_block(body, "matrix", file, diags_)) decode_matrix(*matrix, file, p);
    p.caches = caches(body, file, " in pipeline \"" + p.name + "\"");
    NameRegistry services("service", " in pipeline \"" + p.name + "\"");
    for (const auto& child : body.blocks())
      if (file->slice(child.type_span) == "service") service(child, file, services, p);
    NameRegistry stages("stage", " in pipeline \"" + p.name + "\"");
    for (const auto& child : body.blocks())
      if (file->slice(child.type_span) == "stage") stage(child, file, stages, p);
    check_services_stage_name(p);
    if (p.stages.empty())
      report(diags_, p.origin, "Pipeline \"" + p.name + "\" has no stages",
             "A pipeline runs its stages in order; add at least one: stage \"build\" { exec \"make\" { run = \"make\" } }");
    cfg_.pipelines.push_back(std::move(p));
  }

  Filter decode_filter(const hcl::Block& block, const FilePtr& file) {
    check_body(block.body, file, kFilter, diags_);
    const hcl::Body& body = block.body;
    return {expression(body, "events", file), expression(body, "branches", file), expression(body, "tags", file),
            expression(body, "paths", file), expression(body, "schedules", file)};
  }

  void decode_matrix(const hcl::Block& block, const FilePtr& file, Pipeline& p) {
    check_body(block.body, file, kMatrix, diags_);
    for (const auto& attr : block.body.attributes()) {
      std::string_view name = file->slice(attr.name_span);
      if (name == kExclude)
        p.matrix_exclude = {attr.expr, file};
      else if (name == kInclude)
        p.matrix_include = {attr.expr, file};
      else
        p.matrix.push_back({std::string(name), {attr.expr, file}, {file, attr.name_span}});
    }
    if (p.matrix.empty())
      report(diags_, {file, block.type_span}, "Empty matrix block",
             "A matrix needs at least one axis, e.g. compiler = [\"gcc\", \"clang\"]");
  }

  void service(const hcl::Block& block, const FilePtr& file, NameRegistry& names, Pipeline& p) {
    check_body(block.body, file, kService, diags_);
    auto name = name_label(block, file, diags_);
    if (!name) return;
    const Origin origin{file, block.labels()[0].span};
    names.add(*name, origin, diags_);  // a duplicate is still read, as stages are
    check_host_name(*name, origin);
    const hcl::Body& body = block.body;
    Service s{*name,
              origin,
              expression(body, "image", file),
              expression(body, "command", file),
              expression(body, "run", file),
              expression(body, "env", file),
              expression(body, "ports", file),
              {},
              {},
              {}};
    if (const hcl::Block* ready = single_block(body, "ready", file, diags_, "service")) decode_ready(*ready, file, s);
    const std::string quoted = "Service \"" + s.name + "\"";
    if (s.image.given() && s.run.given())
      report(diags_, s.run.origin(), quoted + " has both image and run",
             "A service is a container (image, and command to replace the image's own command) or a process on "
             "the machine (run), not both.");
    if (!s.image.given() && !s.run.given())
      report(diags_, origin, quoted + " has neither image nor run",
             "Give image = \"postgres:16\" for a container, or run = \"python3 -m http.server 8000\" for a process.");
    if (s.command.given() && !s.image.given())
      report(diags_, s.command.origin(), quoted + " has a command but no image",
             "command replaces a container image's own command; a process service writes its script in run.");
    p.services.push_back(std::move(s));
  }

  void decode_ready(const hcl::Block& block, const FilePtr& file, Service& s) {
    check_body(block.body, file, kReady, diags_);
    s.ready_port = expression(block.body, "port", file);
    s.ready_run = expression(block.body, "run", file);
    s.ready_timeout = expression(block.body, "timeout", file);
    if (s.ready_port.given() && s.ready_run.given())
      report(diags_, s.ready_run.origin(), "A ready block checks a port or runs a command, not both",
             "Keep port = N (ready once it accepts connections) or run = \"...\" (ready once it exits 0).");
    // Without either, the first of the service's ports is checked.
    if (!s.ready_port.given() && !s.ready_run.given() && !s.ports.given())
      report(diags_, {file, block.type_span}, "Nothing to check in the ready block of service \"" + s.name + "\"",
             "Say when the service is ready: port = 5432 (it accepts connections) or run = \"...\" (it exits 0); "
             "a service with ports is checked on its first port.");
  }

  // Executions with an image reach a service by its name, a host name in
  // their /etc/hosts.
  void check_host_name(const std::string& name, const Origin& origin) {
    auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
    bool valid = name.size() <= 63 && std::isalpha(static_cast<unsigned char>(name.front())) && alnum(name.back()) &&
                 std::all_of(name.begin(), name.end(), [&](char c) { return alnum(c) || c == '-'; });
    if (!valid)
      report(diags_, origin, "Service name \"" + name + "\" is not a host name",
             "Executions reach a service by its name: use letters, digits and '-', starting with a letter and "
             "ending with a letter or digit (at most 63), e.g. \"db\" or \"cache-1\".");
  }

  // The server shows a pipeline's services as a group named "services"
  // before its stages (docs/runner.md#services).
  void check_services_stage_name(const Pipeline& p) {
    if (p.services.empty()) return;
    for (const auto& s : p.stages)
      if (s.name == "services")
        report(diags_, s.origin, "Stage name \"services\" is taken in pipeline \"" + p.name + "\"",
               "A pipeline with service blocks shows its services as a group named \"services\"; rename the stage.");
  }

  // The cache blocks of a pipeline or exec body; `within` says which, for
  // duplicates: " in exec \"test\"".
  std::vector<Cache> caches(const hcl::Body& body, const FilePtr& file, const std::string& within) {
    std::vector<Cache> found;
    NameRegistry names("cache", within);
    for (const auto& block : body.blocks()) {
      if (file->slice(block.type_span) != "cache") continue;
      check_body(block.body, file, kCache, diags_);
      auto name = name_label(block, file, diags_);
      if (!name) continue;
      Cache c{*name, {file, block.labels()[0].span}, expression(block.body, "key", file),
              expression(block.body, "paths", file), expression(block.body, "restore_keys", file)};
      if (!names.add(c.name, c.origin, diags_)) continue;
      if (!core::is_cache_name(c.name))
        report(diags_, c.origin, "Cache name \"" + c.name + "\" is not a name",
               "A cache's name is 1 to " + std::to_string(core::kMaxCacheName) +
                   " letters, digits, '.', '_' and '-', e.g. cache \"npm\" { ... }.");
      for (const auto& [expression, attribute, example] :
           {std::tuple{&c.key, "key", "key = \"npm-${hashfiles(\"package-lock.json\")}\""},
            std::tuple{&c.paths, "paths", "paths = [\"node_modules\", \"~/.npm\"]"}})
        if (!expression->given())
          report(diags_, c.origin, "Missing \"" + std::string(attribute) + "\" in cache \"" + c.name + "\"",
                 "A cache needs the key it is saved under and the paths it holds, e.g. " + std::string(example));
      found.push_back(std::move(c));
    }
    return found;
  }

  void stage(const hcl::Block& block, const FilePtr& file, NameRegistry& names, Pipeline& p) {
    check_body(block.body, file, kStage, diags_);
    auto name = name_label(block, file, diags_);
    // A duplicate is reported and still read, so that the errors inside it show too.
    if (!name) return;
    names.add(*name, {file, block.labels()[0].span}, diags_);
    Stage s{*name, {file, block.labels()[0].span}, {}, expression(block.body, "when", file)};
    NameRegistry execs("exec", " in stage \"" + s.name + "\"");
    for (const auto& child : block.body.blocks())
      if (file->slice(child.type_span) == "exec") exec(child, file, execs, s);
    if (s.executions.empty())
      report(diags_, s.origin, "Stage \"" + s.name + "\" has no executions",
             "A stage runs its exec blocks in parallel; add at least one: exec \"make\" { run = \"make\" }");
    p.stages.push_back(std::move(s));
  }

  void exec(const hcl::Block& block, const FilePtr& file, NameRegistry& names, Stage& s) {
    check_body(block.body, file, kExec, diags_);
    auto name = name_label(block, file, diags_);
    if (!name) return;
    names.add(*name, {file, block.labels()[0].span}, diags_);  // a duplicate is still read, as stages are
    const hcl::Body& body = block.body;
    Execution e;
    e.name = *name;
    e.origin = {file, block.labels()[0].span};
    e.run = expression(body, "run", file);
    e.image = expression(body, "image", file);
    e.env = expression(body, "env", file);
    e.timeout = expression(body, "timeout", file);
    e.retry = expression(body, "retry", file);
    e.allow_failure = expression(body, "allow_failure", file);
    e.when = expression(body, "when", file);
    e.caches = caches(body, file, " in exec \"" + e.name + "\"");
    e.artifacts = expression(body, "artifacts", file);
    e.artifacts_when = expression(body, "artifacts_when", file);
    e.needs_artifacts = expression(body, "needs_artifacts", file);
    e.reports = expression(body, "reports", file);
    if (!e.run.given())
      report(diags_, e.origin, "Missing \"run\" in exec \"" + e.name + "\"",
             "An execution needs the shell script it runs, e.g. run = \"make -j2\"");
    if (e.artifacts_when.given() && !e.artifacts.given())
      report(diags_, e.artifacts_when.origin(), "artifacts_when without artifacts",
             "artifacts_when says when the files named by artifacts are kept; give them too, e.g. "
             "artifacts = [\"dist/**\"]");
    s.executions.push_back(std::move(e));
  }

  void schedule(const hcl::Block& block, const FilePtr& file) {
    check_body(block.body, file, kSchedule, diags_);
    auto name = name_label(block, file, diags_);
    if (!name || !schedules_.add(*name, {file, block.labels()[0].span}, diags_)) return;
    Schedule s;
    s.name = *name;
    s.origin = {file, block.labels()[0].span};
    s.cron_expression = expression(block.body, "cron", file);
    s.branch_expression = expression(block.body, "branch", file);
    s.timezone_expression = expression(block.body, "timezone", file);
    auto require = [&](const Expression& e, const std::string& attribute, const std::string& example) {
      if (!e.given())
        report(diags_, s.origin, "Missing \"" + attribute + "\" in schedule \"" + s.name + "\"",
               "A schedule needs when it runs and the branch it runs on, e.g. " + example);
    };
    require(s.cron_expression, "cron", "cron = \"0 3 * * *\"");
    require(s.branch_expression, "branch", "branch = \"main\"");
    cfg_.schedules.push_back(std::move(s));
  }

  Configuration& cfg_;
  hcl::Diagnostics& diags_;
  NameRegistry variables_{"variable"};
  NameRegistry inputs_{"input"};
  NameRegistry locals_{"local"};
  NameRegistry pipelines_{"pipeline"};
  NameRegistry schedules_{"schedule"};
};

}  // namespace

Configuration decode_schema(std::shared_ptr<const hcl::FileSet> files, hcl::Diagnostics& diags) {
  Configuration cfg;
  cfg.files = std::move(files);
  Decoder decoder(cfg, diags);
  for (const auto& file : cfg.files->files) decoder.file(file);
  return cfg;
}

}  // namespace config
