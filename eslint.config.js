import globals from 'globals'
import neostandard from 'neostandard'

export default [
  ...neostandard({ ts: true, ignores: ['dist/**', 'node_modules/**', '.tap/**', 'coverage/**', 'bench/results/**', '.scratch/**'] }),
  // The operator dashboard's ES modules run in the browser.
  { files: ['public/**/*.js'], languageOptions: { globals: { ...globals.browser } } }
]
