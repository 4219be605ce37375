// A syntax check for generated Dart, since no Dart SDK is installable here: tree-sitter-dart
// through ast-grep. Its grammar predates enhanced enums (Dart 2.17) and class modifiers
// (Dart 3), so enum declarations are blanked and `abstract final` is read as `abstract`.
import dart from '@ast-grep/lang-dart';
import { parse, registerDynamicLanguage } from '@ast-grep/napi';

registerDynamicLanguage({ dart });

/** Lines (1-based) with a syntax error, and their text. */
export function dartSyntaxErrors(source: string): string[] {
  const text = source
    .replace(/^enum \w+ \{[\s\S]*?^\}$/gm, (block) => block.replace(/[^\n]/g, ' '))
    .replaceAll('abstract final class', 'abstract       class');
  return parse('dart', text)
    .root()
    .findAll({ rule: { kind: 'ERROR' } })
    .map((node) => `${node.range().start.line + 1}: ${node.text().slice(0, 80)}`);
}
