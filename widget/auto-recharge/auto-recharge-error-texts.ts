// The texts of the errors only the automatic top-up meets, in German (formal "Sie") and English: added to
// the element's error texts (../i18n.ts) by its view and its confirmation when either loads, so that the
// first load does not carry them. A function, called by both, rather than an import for its side effect:
// package.json declares the widget's modules free of side effects, and the build drops a bare import.

import { addErrorTexts } from '../i18n.ts';

export function addAutoRechargeErrorTexts() {
  addErrorTexts('de', {
    forbidden: 'Nur Inhaber und Administratoren Ihrer Organisation können das ändern.',
    payment_method_required: 'Bitte speichern Sie zuerst eine Karte.',
    invalid_threshold: 'Diese Schwelle ist zu niedrig. Bitte wählen Sie eine höhere.',
    nothing_to_confirm: 'Es wartet keine automatische Aufladung auf Ihre Bestätigung.',
  });
  addErrorTexts('en', {
    forbidden: 'Only owners and admins of your organisation can change this.',
    payment_method_required: 'Please save a card first.',
    invalid_threshold: 'This threshold is too low. Please choose a higher one.',
    nothing_to_confirm: 'No automatic top-up is waiting for your confirmation.',
  });
}
