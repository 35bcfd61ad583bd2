// Reads the global symbols an ELF64 relocatable object defines, straight from its section
// headers: the tests need no llvm-nm.
#pragma once

#include <cstring>
#include <elf.h>
#include <set>
#include <string>

inline std::set<std::string> definedGlobals(const std::string &object) {
  std::set<std::string> names;
  if (object.size() < sizeof(Elf64_Ehdr) || std::memcmp(object.data(), ELFMAG, SELFMAG) != 0)
    return names;
  Elf64_Ehdr eh;
  std::memcpy(&eh, object.data(), sizeof eh);
  auto section = [&](size_t i) {
    Elf64_Shdr sh;
    std::memcpy(&sh, object.data() + eh.e_shoff + i * eh.e_shentsize, sizeof sh);
    return sh;
  };
  for (size_t i = 0; i < eh.e_shnum; ++i) {
    const Elf64_Shdr symtab = section(i);
    if (symtab.sh_type != SHT_SYMTAB)
      continue;
    const Elf64_Shdr strtab = section(symtab.sh_link);
    for (size_t k = 0; k < symtab.sh_size / sizeof(Elf64_Sym); ++k) {
      Elf64_Sym sym;
      std::memcpy(&sym, object.data() + symtab.sh_offset + k * sizeof sym, sizeof sym);
      if (ELF64_ST_BIND(sym.st_info) == STB_GLOBAL && sym.st_shndx != SHN_UNDEF)
        names.insert(object.data() + strtab.sh_offset + sym.st_name);
    }
  }
  return names;
}
