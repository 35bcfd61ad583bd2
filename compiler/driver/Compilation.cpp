#include "driver/Compilation.h"

#include "io/AtomicFile.h"
#include "syntax/Parser.h"

#include <stdexcept>

namespace odec {

extern const char *const kPreludeText;

std::shared_ptr<Compilation> Compilation::fromText(std::string name, std::string text) {
  auto c = std::make_shared<Compilation>();
  if (text.size() > SourceManager::kMaxFileBytes) {
    c->diags.error(SourceLoc{}, "'" + name + "' is " + std::to_string(text.size()) +
                                    " bytes; the limit for a source file is " +
                                    std::to_string(SourceManager::kMaxFileBytes) + " bytes");
    return c;
  }
  uint32_t preludeFile = c->sources.addBuffer("<prelude>", kPreludeText);
  c->prelude = parseProgram(c->sources, preludeFile, c->diags);
  internalCheck(!c->diags.hasErrors(), "the built-in prelude does not parse");
  c->file = c->sources.addBuffer(std::move(name), std::move(text));
  c->program = parseProgram(c->sources, c->file, c->diags);
  if (c->diags.hasErrors())
    return c;
  c->ok = sema::check(*c->program, c->prelude.get(), c->diags, c->checked);
  return c;
}

std::shared_ptr<Compilation> Compilation::fromFile(const std::string &path) {
  return fromText(path, readFile(path, SourceManager::kMaxFileBytes + 1, /*waitForWriter=*/false));
}

static std::string joinNames(const std::vector<std::string> &names) {
  std::string out;
  for (const std::string &n : names)
    out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "none" : out;
}

const sema::CheckedModel &Compilation::model(const std::string &name) const {
  std::vector<std::string> names;
  for (const sema::CheckedModel &m : checked.models)
    names.push_back(m.name);
  if (name.empty()) {
    if (checked.models.size() == 1)
      return checked.models.front();
    if (checked.models.empty())
      throw std::invalid_argument("'" + sources.name(file) + "' defines no model");
    throw std::invalid_argument("'" + sources.name(file) + "' defines several models (" +
                                joinNames(names) + "); choose one with --model");
  }
  if (const sema::CheckedModel *m = checked.findModel(name))
    return *m;
  throw std::invalid_argument("no model named '" + name + "' in '" + sources.name(file) +
                              "' (models: " + joinNames(names) + ")");
}

const ButcherTableau &Compilation::tableau(const std::string &name) const {
  if (const sema::CheckedTableau *t = checked.findTableau(name))
    return t->tableau;
  std::vector<std::string> names;
  for (const sema::CheckedTableau &t : checked.tableaux)
    names.push_back(t.tableau.name);
  throw std::invalid_argument("unknown tableau '" + name + "' (known: " + joinNames(names) + ")");
}

static TensorSlot slotOf(const std::string &name, const Shape &s, int64_t &offset) {
  TensorSlot t;
  t.name = name;
  t.rank = s.isScalar() ? 0 : s.isVector() ? 1 : 2;
  t.rows = s.rows;
  t.cols = s.cols;
  t.offset = offset;
  offset += t.size();
  return t;
}

/// Declarations (StateInfo, ParamInfo, InputInfo) laid out one after the other.
template <class Info> static std::vector<TensorSlot> layoutOf(const std::vector<Info> &decls) {
  std::vector<TensorSlot> out;
  int64_t offset = 0;
  for (const Info &d : decls)
    out.push_back(slotOf(d.name, d.shape, offset));
  return out;
}

std::vector<TensorSlot> stateLayout(const sema::CheckedModel &m) { return layoutOf(m.states); }

std::vector<TensorSlot> inputLayout(const sema::CheckedModel &m) { return layoutOf(m.inputs); }

std::vector<TensorSlot> outputLayout(const sema::CheckedModel &m) { return layoutOf(m.outputs); }

std::vector<TensorSlot> paramLayout(const sema::CheckedModel &m) {
  std::vector<TensorSlot> out = layoutOf(m.params);
  for (size_t i = 0; i < out.size(); ++i)
    out[i].prior = m.params[i].prior;
  return out;
}

} // namespace odec
