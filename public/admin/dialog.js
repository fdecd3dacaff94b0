// A modal confirmation step for destructive actions (revoke, delete), keyboard usable: Escape cancels.

/**
 * Asks the operator to confirm; resolves true only when the confirm button was pressed. With `typed`, the
 * confirm button stays disabled until that exact text (e.g. the tenant id) is typed.
 */
export function confirmAction ({ title, text, confirmLabel, typed }) {
  const dialog = document.getElementById('confirm-dialog')
  const confirmButton = document.getElementById('confirm-ok')
  const cancelButton = document.getElementById('confirm-cancel')
  const typedRow = document.getElementById('confirm-typed-row')
  const typedInput = document.getElementById('confirm-typed')
  document.getElementById('confirm-title').textContent = title
  document.getElementById('confirm-text').textContent = text
  confirmButton.textContent = confirmLabel
  typedRow.hidden = typed === undefined
  typedInput.value = ''
  document.getElementById('confirm-typed-label').textContent = typed === undefined ? '' : `Type ${typed} to confirm`
  const checkTyped = () => { confirmButton.disabled = typed !== undefined && typedInput.value !== typed }
  typedInput.addEventListener('input', checkTyped)
  checkTyped()
  const opener = document.activeElement
  return new Promise(resolve => {
    const onConfirm = () => dialog.close('confirm')
    const onCancel = () => dialog.close('cancel')
    confirmButton.addEventListener('click', onConfirm)
    cancelButton.addEventListener('click', onCancel)
    dialog.addEventListener('close', () => {
      confirmButton.removeEventListener('click', onConfirm)
      cancelButton.removeEventListener('click', onCancel)
      typedInput.removeEventListener('input', checkTyped)
      confirmButton.disabled = false
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus()
      resolve(dialog.returnValue === 'confirm' && (typed === undefined || typedInput.value === typed))
    }, { once: true })
    dialog.returnValue = ''
    dialog.showModal()
    // The safe choice has the focus: Enter alone never revokes.
    if (typed === undefined) cancelButton.focus()
    else typedInput.focus()
  })
}
