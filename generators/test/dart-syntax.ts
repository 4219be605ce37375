// A syntax check for generated Dart, since no Dart SDK is installable here: tree-sitter-dart
// (1.0.0) through ast-grep. Its grammar predates enhanced enums (Dart 2.17) and Dart 3, so before
// parsing, enum declarations are blanked and the Dart 3 class modifiers are read as Dart 2:
// `sealed class` as `abstract class` (a sealed class is implicitly abstract), `final class`,
// `base class` and `interface class` as `class`. What the grammar still cannot read — records,
// patterns, switch expressions, `if (x case …)` — the Dart emitter and runtime do not use.
import dart from '@ast-grep/lang-dart';
import { parse, registerDynamicLanguage } from '@ast-grep/napi';

registerDynamicLanguage({ dart });

/** Dart 3 class modifiers as the Dart 2 grammar reads them; line numbers are kept. */
export function asDart2(source: string): string {
  return source
    .replace(/^enum \w+ \{[\s\S]*?^\}$/gm, (block) => block.replace(/[^\n]/g, ' '))
    .replace(/^([ \t]*)((?:(?:abstract|sealed|final|base|interface) +)+)class\b/gm, (_, indent, modifiers) =>
      /\b(abstract|sealed)\b/.test(modifiers) ? `${indent}abstract class` : `${indent}class`,
    )
    .replace(/^([ \t]*)base mixin\b/gm, '$1mixin');
}

/** Lines (1-based) with a syntax error, and their text. */
export function dartSyntaxErrors(source: string): string[] {
  return parse('dart', asDart2(source))
    .root()
    .findAll({ rule: { kind: 'ERROR' } })
    .map((node) => `${node.range().start.line + 1}: ${node.text().slice(0, 80)}`);
}
