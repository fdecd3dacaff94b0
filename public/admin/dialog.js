// A modal confirmation step for destructive actions (revoke, delete), keyboard usable: Escape cancels.

/** Asks the operator to confirm; resolves true only when the confirm button was pressed. */
export function confirmAction ({ title, text, confirmLabel }) {
  const dialog = document.getElementById('confirm-dialog')
  const confirmButton = document.getElementById('confirm-ok')
  const cancelButton = document.getElementById('confirm-cancel')
  document.getElementById('confirm-title').textContent = title
  document.getElementById('confirm-text').textContent = text
  confirmButton.textContent = confirmLabel
  const opener = document.activeElement
  return new Promise(resolve => {
    const onConfirm = () => dialog.close('confirm')
    const onCancel = () => dialog.close('cancel')
    confirmButton.addEventListener('click', onConfirm)
    cancelButton.addEventListener('click', onCancel)
    dialog.addEventListener('close', () => {
      confirmButton.removeEventListener('click', onConfirm)
      cancelButton.removeEventListener('click', onCancel)
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus()
      resolve(dialog.returnValue === 'confirm')
    }, { once: true })
    dialog.returnValue = ''
    dialog.showModal()
    // The safe choice has the focus: Enter alone never revokes.
    cancelButton.focus()
  })
}
