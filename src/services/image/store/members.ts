import { fromDbTime, toDbTime } from '../../../core/db/index.ts';
import type { MemberStatus } from '../image-model.ts';
import type { ImageDb, ImageMemberRow } from './tables.ts';

type Handle = Pick<ImageDb, 'selectFrom' | 'insertInto' | 'updateTable' | 'deleteFrom'>;

export interface ImageMember {
  readonly imageId: string;
  readonly memberId: string;
  readonly status: MemberStatus;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

const toMember = (r: ImageMemberRow): ImageMember => ({
  imageId: r.image_id,
  memberId: r.member,
  status: r.status as MemberStatus,
  createdAt: fromDbTime(r.created_at),
  updatedAt: fromDbTime(r.updated_at),
});

export async function findMember(db: Handle, imageId: string, memberId: string): Promise<ImageMember | undefined> {
  const row = await db
    .selectFrom('image_member')
    .selectAll()
    .where('image_id', '=', imageId)
    .where('member', '=', memberId)
    .executeTakeFirst();
  return row ? toMember(row) : undefined;
}

export async function listMembers(db: Handle, imageId: string): Promise<ImageMember[]> {
  const rows = await db.selectFrom('image_member').selectAll().where('image_id', '=', imageId).orderBy('created_at').orderBy('member').execute();
  return rows.map(toMember);
}

export async function countMembers(db: Handle, imageId: string): Promise<number> {
  const row = await db
    .selectFrom('image_member')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('image_id', '=', imageId)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function insertMember(db: Handle, imageId: string, memberId: string, now: Date): Promise<ImageMember> {
  const t = toDbTime(now);
  const row = { image_id: imageId, member: memberId, status: 'pending', created_at: t, updated_at: t };
  await db.insertInto('image_member').values(row).execute();
  return toMember(row);
}

export async function setMemberStatus(db: Handle, imageId: string, memberId: string, status: MemberStatus, now: Date): Promise<void> {
  await db
    .updateTable('image_member')
    .set({ status, updated_at: toDbTime(now) })
    .where('image_id', '=', imageId)
    .where('member', '=', memberId)
    .execute();
}

export async function deleteMember(db: Handle, imageId: string, memberId: string): Promise<void> {
  await db.deleteFrom('image_member').where('image_id', '=', imageId).where('member', '=', memberId).execute();
}
