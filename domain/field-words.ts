// What a field is called where people fill it in: the words of the page's form, by the body path the API uses. A
// refusal names the field in these words and says what to do ("Enter the vendor's contact email."); the API keeps
// the path beside the sentence (`details[].field`), so programs still know which field it was.

/** Words by body path; list positions are `*`. The most specific entry wins: a full path, then its last name. */
const WORDS: Record<string, string> = {
  // The case.
  'contract.id': 'the contract id',
  'contract.title': "the contract's title",
  'contract.terminationDate': 'the termination date',
  'contract.agreement': 'the agreement',
  'contract.clause': "the agreement's clause on return and disposal",
  'vendor.name': "the vendor's organisation",
  'vendor.contactEmail': "the vendor's contact email",
  'vendor.contactName': "the vendor's contact name",
  'service.name': 'the service',
  'service.url': "the service's URL",
  'disposition.option': 'what the vendor is to do',
  'disposition.extent': 'how much of the data',
  'disposition.categories': 'the categories of data',
  'disposition.categories.*.key': 'a category of data',
  'disposition.categories.*.label': "another category's name",
  'disposition.categories.*.expectedRecords': 'the number of records expected',
  'trackingMechanisms.*.name': "a tracking mechanism's name",
  'trackingMechanisms.*.kind': "a tracking mechanism's kind",
  'deadlines.acknowledge': 'the time to acknowledge the notice',
  'deadlines.return': 'the time to return the data',
  'deadlines.review': "the district's time to review",
  'deadlines.certify': 'the time to certify destruction',
  'deadlines.reminderEvery': 'how often to remind',
  allowDuplicate: '"start a second case all the same"',
  // The vendor's certification.
  'destruction.signatoryName': "the signatory's name",
  'destruction.signatoryTitle': "the signatory's title",
  'destruction.signatoryEmail': "the signatory's email",
  'destruction.completedOn': 'the date destruction was completed',
  'destruction.method': 'the method (NIST SP 800-88)',
  'destruction.technique': 'the technique used',
  'destruction.verification': 'how destruction was verified',
  'destruction.backups.rollOffDate': 'the date backups roll off',
  'destruction.systems': 'where the data lived',
  'destruction.systems.*.heldData': 'whether this place held the data',
  'destruction.systems.*.name': 'which system',
  'destruction.systems.*.method': "this place's method",
  'destruction.systems.*.technique': "this place's technique",
  'destruction.systems.*.tool': "this place's tool or service",
  'destruction.systems.*.verification': 'how this place was verified',
  'destruction.systems.*.completedOn': 'the date this place was completed',
  'destruction.validator.email': "the validator's email",
  'destruction.subprocessors.*.name': "a subprocessor's name",
  'destruction.subprocessors.*.contactEmail': "a subprocessor's contact email",
  'destruction.accountsClosed': "that the accounts of the district's users are closed",
  'destruction.attestation': 'the statement that all known copies are destroyed',
  tracking: 'the tracking mechanisms',
  'tracking.mechanisms': 'the tracking mechanisms',
  'tracking.mechanisms.*.removedOn': 'the date this tracking mechanism was removed',
  'tracking.noneInUse': 'that no tracking mechanism was used',
  'tracking.collectedDataDestroyed': 'that data collected by tracking is destroyed',
  'tracking.attestation': 'the statement that each tracking mechanism is removed',
  // One name, whatever the form.
  signatoryName: "the signatory's name",
  signatoryTitle: "the signatory's title",
  signatoryEmail: "the signatory's email",
  completedOn: 'the date destruction was completed',
  method: 'the method (NIST SP 800-88)',
  technique: 'the technique used',
  verification: 'how destruction was verified',
  verificationCode: 'the code emailed to the signatory',
  attestation: 'the statement you make',
  confirmedOn: 'the date the backups rolled off',
  contactName: 'your name',
  contactEmail: 'the contact email',
  contactTitle: 'your title',
  decision: 'the decision',
  reason: 'the reason',
  note: 'the note',
  until: 'the new due date',
  task: 'the task',
  kind: 'the kind',
  scope: 'what data',
  endsOn: 'the date it ends',
  subprocessorId: 'the subprocessor',
  on: 'whether the hold is set',
  file: 'the file',
  files: 'the files',
  from: 'the first day',
  to: 'the last day',
  category: 'the category',
  url: "the endpoint's URL",
  events: 'the transitions',
};

/** The words for a body path (`destruction.systems.2.heldData`); a path no form names reads as itself, spaced. */
export function fieldWords(path: string): string {
  const pattern = path.replace(/\.\d+(?=\.|$)/g, '.*');
  const last = pattern.split('.').at(-1)!;
  return WORDS[pattern] ?? WORDS[last] ?? `"${path}"`;
}

/** "the vendor's contact email" → "The vendor's contact email". */
export const capitalised = (text: string): string =>
  text.startsWith('"') ? text : `${text[0]!.toUpperCase()}${text.slice(1)}`;
