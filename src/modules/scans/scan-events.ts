/**
 * The `card.scanned` event. Events and webhooks arrive in a parallel branch; once they exist,
 * cardScanned() emits through them (a one-line change) and nothing else here moves.
 */
export interface CardScanned {
  type: "card.scanned";
  account_id: string;
  data: { card_id: string; campaign_id: string; scanned_at: string };
}

export function cardScannedEvent(scan: {
  accountId: string;
  cardId: string;
  campaignId: string;
  scannedAt: Date;
}): CardScanned {
  return {
    type: "card.scanned",
    account_id: scan.accountId,
    data: {
      card_id: scan.cardId,
      campaign_id: scan.campaignId,
      scanned_at: scan.scannedAt.toISOString(),
    },
  };
}

/** Called once per recorded scan, after it is stored. */
export async function cardScanned(_event: CardScanned): Promise<void> {
  // events: await emit(_event) — see the events module when it lands.
}
