import { Type } from 'typebox';
import { isUniqueViolation } from '../../../core/db/index.ts';
import { defineRoute, type ApiCall, type RouteSpec } from '../../../core/http/index.ts';
import type { ImageEnv } from '../env.ts';
import { imageErrors } from '../errors.ts';
import { MEMBER_STATUSES, type Image, type MemberStatus } from '../image-model.ts';
import { touchImage } from '../store/images.ts';
import { countMembers, deleteMember, findMember, insertMember, listMembers, setMemberStatus } from '../store/members.ts';
import { callerOf, imageInReach, imageRouteTarget } from './image-access.ts';
import { memberView } from './image-views.ts';

const ImageParams = Type.Object({ image_id: Type.String() });
const MemberParams = Type.Object({ image_id: Type.String(), member_id: Type.String() });

type Ownership = 'create' | 'update' | 'delete' | undefined;

/**
 * Glance's _check_visibility_and_ownership: only shared images have members; only the owner
 * (or an admin) adds and removes them, and only the member (never the owner) answers.
 */
function checkSharing(call: ApiCall, image: Image, ownership: Ownership, forbidden: string): void {
  if (image.visibility !== 'shared') throw imageErrors.forbidden(forbidden);
  const caller = callerOf(call);
  if (caller.isAdmin) return;
  const owns = image.owner !== null && image.owner === caller.projectId;
  if ((ownership === 'create' || ownership === 'delete') && !owns) throw imageErrors.forbidden(forbidden);
  if (ownership === 'update' && owns) throw imageErrors.forbidden(forbidden);
}

function bodyField(body: unknown, field: 'member' | 'status', example: string): unknown {
  if (body === undefined) throw imageErrors.badRequest('Body expected in request.');
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw imageErrors.badRequest(`Expected a ${field} in the form: ${example}`);
  if (!Object.hasOwn(body, field)) throw imageErrors.badRequest(field === 'member' ? 'Member to be added not specified' : 'Status not specified');
  return (body as Record<string, unknown>)[field];
}

export function memberRoutes(env: ImageEnv): RouteSpec[] {
  const target = imageRouteTarget(env);
  const memberTarget = async (call: ApiCall) => ({ ...(await target(call)), member_id: (call.params as { member_id: string }).member_id });
  /** What a non-owner sees of an image's members: only its own membership. */
  const seesAll = (call: ApiCall, image: Image) => {
    const caller = callerOf(call);
    return caller.isAdmin || image.owner === caller.projectId;
  };

  return [
    defineRoute({
      method: 'GET',
      url: '/v2/images/:image_id/members',
      policy: 'get_members',
      target,
      schema: { params: ImageParams },
      async handler(call) {
        const { image } = await imageInReach(env, call, call.params.image_id);
        checkSharing(call, image, undefined, `Not allowed to list members for image ${image.id}: Only shared images have members.`);
        const all = await listMembers(env.db, image.id);
        const me = callerOf(call).projectId;
        const members = seesAll(call, image) ? all : all.filter((m) => m.memberId === me);
        return { members: members.map(memberView), schema: '/v2/schemas/members' };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v2/images/:image_id/members',
      policy: 'add_member',
      target,
      schema: { params: ImageParams, body: Type.Unknown() },
      async handler(call) {
        const memberId = bodyField(call.body, 'member', '{"member": "image_id"}');
        if (typeof memberId !== 'string' && memberId !== null && memberId !== undefined && typeof memberId !== 'number') {
          throw imageErrors.badRequest('Expected a member in the form: {"member": "image_id"}');
        }
        if (memberId === '' || memberId === null || memberId === undefined) throw imageErrors.badRequest("Member can't be empty");
        const member = String(memberId);
        if (member.length > 255) throw imageErrors.badRequest('Member id is longer than 255 characters.');
        const { image } = await imageInReach(env, call, call.params.image_id);
        checkSharing(call, image, 'create', `Not allowed to create members for image ${image.id}.`);
        const quota = env.settings.image_member_quota;
        if (quota >= 0 && (await countMembers(env.db, image.id)) + 1 > quota) {
          throw imageErrors.tooLarge(
            `Image member limit exceeded for image ${image.id}: The limit has been exceeded on the number of allowed image members for this image. Attempted: ${quota + 1}, Maximum: ${quota}:`,
          );
        }
        const duplicate = () => imageErrors.conflict(`Member ${member} is duplicated for image ${image.id}`);
        if (await findMember(env.db, image.id, member)) throw duplicate();
        try {
          const created = await insertMember(env.db, image.id, member, env.now());
          return memberView(created);
        } catch (err) {
          if (isUniqueViolation(err)) throw duplicate();
          throw err;
        }
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v2/images/:image_id/members/:member_id',
      policy: 'get_member',
      target: memberTarget,
      schema: { params: MemberParams },
      async handler(call) {
        const { image } = await imageInReach(env, call, call.params.image_id);
        const notFound = imageErrors.notFound(`${call.params.member_id} not found in the member list of the image ${image.id}.`);
        // Glance answers 404, not 403, to anyone this membership is hidden from.
        if (image.visibility !== 'shared') throw imageErrors.notFound('Only shared images have members.');
        if (!seesAll(call, image) && callerOf(call).projectId !== call.params.member_id) throw notFound;
        const member = await findMember(env.db, image.id, call.params.member_id);
        if (!member) throw notFound;
        return memberView(member);
      },
    }),
    defineRoute({
      method: 'PUT',
      url: '/v2/images/:image_id/members/:member_id',
      policy: 'modify_member',
      target: memberTarget,
      schema: { params: MemberParams, body: Type.Unknown() },
      async handler(call) {
        const status = bodyField(call.body, 'status', '{"status": "status"}');
        const { image } = await imageInReach(env, call, call.params.image_id);
        checkSharing(call, image, 'update', `Not allowed to update members for image ${image.id}.`);
        const member = await findMember(env.db, image.id, call.params.member_id);
        if (!member) throw imageErrors.notFound(`${call.params.member_id} not found in the member list of the image ${image.id}.`);
        if (!seesAll(call, image) && callerOf(call).projectId !== member.memberId) {
          throw imageErrors.forbidden(`Not allowed to update members for image ${image.id}.`);
        }
        if (typeof status !== 'string' || !(MEMBER_STATUSES as readonly string[]).includes(status)) {
          throw imageErrors.badRequest(`Incorrect request: Status must be one of ${MEMBER_STATUSES.join(', ')}`);
        }
        const now = env.now();
        await setMemberStatus(env.db, image.id, member.memberId, status as MemberStatus, now);
        await touchImage(env.db, image.id, now);
        return memberView({ ...member, status: status as MemberStatus, updatedAt: now });
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/v2/images/:image_id/members/:member_id',
      policy: 'delete_member',
      target: memberTarget,
      schema: { params: MemberParams },
      status: 204,
      async handler(call) {
        const { image } = await imageInReach(env, call, call.params.image_id);
        checkSharing(call, image, 'delete', `Not allowed to delete members for image ${image.id}.`);
        const member = await findMember(env.db, image.id, call.params.member_id);
        if (!member) throw imageErrors.notFound(`${call.params.member_id} not found in the member list of the image ${image.id}.`);
        await deleteMember(env.db, image.id, member.memberId);
      },
    }),
  ];
}
