// The texts of the automatic top-up's view in German (formal "Sie") and English: its state, why it
// stopped (each reason code the server gives), the card, the last charge, the month's use and the form.
// They come with the view's chunk; the first load carries only the button's label and the banner.

import type { AutoRechargeCharge, AutoRechargeState } from '../../contract/credit-topup-api.ts';
import type { Locale } from '../i18n.ts';
import { addAutoRechargeErrorTexts } from './auto-recharge-error-texts.ts';

addAutoRechargeErrorTexts();

const de = {
  intro:
    'Fällt Ihr Guthaben unter eine Schwelle, werden automatisch Credits mit Ihrer gespeicherten Karte gekauft – höchstens bis zu Ihrem Monatslimit.',
  loading: 'Wird geladen …',
  status: 'Status',
  state: {
    off: 'Aus',
    on: 'An',
    charging: 'Aufladung läuft …',
    retrying: 'Zahlung abgelehnt – wird erneut versucht',
    needs_confirmation: 'Wartet auf Ihre Bestätigung',
    capped: 'Monatslimit erreicht',
    disabled: 'Hat sich ausgeschaltet',
  } satisfies Record<AutoRechargeState, string>,
  watching: (threshold: string) =>
    `Aufgeladen wird, sobald weniger als ${threshold}\u00a0Credits verfügbar sind.`,
  cappedHint: 'In diesem Monat wird nicht mehr automatisch aufgeladen, außer Sie erhöhen das Limit.',
  confirmHint: 'Ihre Bank verlangt, dass Sie die Zahlung bestätigen (3-D Secure).',
  disabledHint: 'Bitte prüfen Sie Ihre Karte und schalten Sie die automatische Aufladung wieder ein.',
  reasons: {
    declined_3_times: 'Die Zahlung wurde dreimal hintereinander abgelehnt.',
    card_expired: 'Die Karte ist abgelaufen.',
    expired_card: 'Die Karte ist abgelaufen.',
    payment_method_detached: 'Die gespeicherte Karte wurde entfernt.',
    monthly_cap_reached: 'Das Monatslimit ist ausgeschöpft.',
    insufficient_funds: 'Die Karte ist nicht ausreichend gedeckt.',
    card_declined: 'Die Bank hat die Zahlung abgelehnt.',
    generic_decline: 'Die Bank hat die Zahlung abgelehnt.',
    do_not_honor: 'Die Bank hat die Zahlung abgelehnt.',
    authentication_required: 'Die Bank verlangt eine Bestätigung der Zahlung (3-D Secure).',
    lost_card: 'Die Karte wurde als verloren gemeldet.',
    stolen_card: 'Die Karte wurde als gestohlen gemeldet.',
    processing_error: 'Bei der Bank ist ein Fehler aufgetreten.',
  } as Record<string, string>,
  otherReason: 'Die Zahlung ist fehlgeschlagen.',
  card: 'Karte',
  cardText: (brand: string, last4: string, expiry: string) => `${brand} •••• ${last4}, gültig bis ${expiry}`,
  noCard: 'Noch keine Karte gespeichert.',
  saveCard: 'Karte speichern',
  replaceCard: 'Andere Karte speichern',
  cardNote: 'Die Karte wird bei Stripe gespeichert und nur für die automatische Aufladung belastet.',
  preparing: 'Wird vorbereitet …',
  savingCard: 'Karte wird gespeichert …',
  cardSaved: 'Die Karte wurde gespeichert.',
  cancel: 'Abbrechen',
  lastCharge: 'Letzte automatische Aufladung',
  noCharge: 'Noch keine.',
  charge: {
    pending: 'ausstehend',
    charging: 'läuft',
    requires_action: 'wartet auf Bestätigung',
    succeeded: 'erfolgreich',
    failed: 'fehlgeschlagen',
    canceled: 'nicht ausgeführt',
  } satisfies Record<AutoRechargeCharge['status'], string>,
  month: (month: string) => `Monatslimit im ${month}`,
  used: (used: string, cap: string) => `${used} von ${cap} genutzt`,
  usedNoCap: (used: string) => `${used} genutzt, kein Limit festgelegt`,
  enabled: 'Automatische Aufladung an',
  threshold: 'Aufladen, wenn weniger Credits verfügbar sind als',
  thresholdHint: (min: string) => `Mindestens ${min}\u00a0Credits.`,
  thresholdProblem: (min: string) => `Bitte geben Sie eine ganze Zahl ab ${min} an.`,
  offer: 'Was gekauft wird',
  custom: 'Eigene Anzahl Credits',
  customCredits: 'Anzahl Credits',
  customProblem: (min: string, max: string, step: string) =>
    `Bitte geben Sie zwischen ${min} und ${max}\u00a0Credits in Schritten von ${step} an.`,
  cap: 'Monatslimit in Euro',
  capHint: 'Mehr wird in einem Kalendermonat nicht automatisch belastet.',
  capProblem: 'Bitte geben Sie einen Betrag in Euro an, z.\u00a0B. 50 oder 50,00.',
  capTooLow: (price: string) => `Das Limit muss mindestens eine Aufladung (${price}) abdecken.`,
  save: 'Speichern',
  saving: 'Wird gespeichert …',
  saved: 'Gespeichert.',
  readOnly: 'Nur Inhaber und Administratoren Ihrer Organisation können die automatische Aufladung ändern.',
};

export type AutoRechargeMessages = typeof de;

const en: AutoRechargeMessages = {
  intro:
    'When your balance falls below a threshold, credits are bought automatically with your saved card – never more than your monthly cap.',
  loading: 'Loading …',
  status: 'Status',
  state: {
    off: 'Off',
    on: 'On',
    charging: 'Top-up in progress …',
    retrying: 'Payment declined – will try again',
    needs_confirmation: 'Waiting for your confirmation',
    capped: 'Monthly cap reached',
    disabled: 'Switched itself off',
  },
  watching: (threshold) => `A top-up starts as soon as fewer than ${threshold}\u00a0credits are available.`,
  cappedHint: 'No further automatic top-ups this month, unless you raise the cap.',
  confirmHint: 'Your bank wants you to confirm the payment (3-D Secure).',
  disabledHint: 'Please check your card and turn automatic top-up on again.',
  reasons: {
    declined_3_times: 'The payment was declined three times in a row.',
    card_expired: 'The card has expired.',
    expired_card: 'The card has expired.',
    payment_method_detached: 'The saved card was removed.',
    monthly_cap_reached: 'The monthly cap is used up.',
    insufficient_funds: 'The card has insufficient funds.',
    card_declined: 'The bank declined the payment.',
    generic_decline: 'The bank declined the payment.',
    do_not_honor: 'The bank declined the payment.',
    authentication_required: 'The bank wants the payment confirmed (3-D Secure).',
    lost_card: 'The card was reported lost.',
    stolen_card: 'The card was reported stolen.',
    processing_error: 'An error occurred at the bank.',
  },
  otherReason: 'The payment failed.',
  card: 'Card',
  cardText: (brand, last4, expiry) => `${brand} •••• ${last4}, expires ${expiry}`,
  noCard: 'No card saved yet.',
  saveCard: 'Save a card',
  replaceCard: 'Save another card',
  cardNote: 'The card is saved with Stripe and charged only for automatic top-ups.',
  preparing: 'Preparing …',
  savingCard: 'Saving the card …',
  cardSaved: 'The card was saved.',
  cancel: 'Cancel',
  lastCharge: 'Last automatic top-up',
  noCharge: 'None yet.',
  charge: {
    pending: 'pending',
    charging: 'in progress',
    requires_action: 'waiting for confirmation',
    succeeded: 'succeeded',
    failed: 'failed',
    canceled: 'not made',
  },
  month: (month) => `Monthly cap in ${month}`,
  used: (used, cap) => `${used} of ${cap} used`,
  usedNoCap: (used) => `${used} used, no cap set`,
  enabled: 'Automatic top-up on',
  threshold: 'Top up when fewer credits are available than',
  thresholdHint: (min) => `At least ${min}\u00a0credits.`,
  thresholdProblem: (min) => `Please enter a whole number of at least ${min}.`,
  offer: 'What is bought',
  custom: 'A number of credits of your own',
  customCredits: 'Number of credits',
  customProblem: (min, max, step) =>
    `Please enter between ${min} and ${max}\u00a0credits in steps of ${step}.`,
  cap: 'Monthly cap in euros',
  capHint: 'No more than this is charged automatically in one calendar month.',
  capProblem: 'Please enter an amount in euros, e.g. 50 or 50.00.',
  capTooLow: (price) => `The cap must cover at least one top-up (${price}).`,
  save: 'Save',
  saving: 'Saving …',
  saved: 'Saved.',
  readOnly: 'Only owners and admins of your organisation can change automatic top-up.',
};

export const autoRechargeMessages = (locale: Locale): AutoRechargeMessages => (locale === 'en' ? en : de);

/** Why it is retrying, capped or disabled, in words; a code the element does not know gets a general text. */
export function reasonText(t: AutoRechargeMessages, reason: string | null): string {
  return reason && Object.hasOwn(t.reasons, reason) ? (t.reasons[reason] as string) : t.otherReason;
}
